// Uses the installed library as a consumer would. all_headers.h includes every public header.
#include "all_headers.h"

#include <iostream>
#include <memory>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (!ok) {
        std::cerr << "consumer: " << what << '\n';
        ++failures;
    }
}

}  // namespace

// consumer [LAYOUT]: with a layout (directory or tar), also reads and validates it.
int main(int argc, char** argv) {
    const std::string abc = ociwasm::sha256_digest("abc");
    expect(abc == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
           "sha256_digest(\"abc\") gave " + abc);

    rapidjson::Document doc;
    ociwasm::JsonError error;
    expect(ociwasm::parse_json(R"({"b":1,"a":[true]})", doc, &error),
           "parse_json: " + error.message);
    const std::string canonical = ociwasm::write_canonical(doc);
    expect(canonical == R"({"a":[true],"b":1})", "write_canonical gave " + canonical);

    if (argc > 1) {
        std::unique_ptr<ociwasm::LayoutSource> source;
        ociwasm::Status status = ociwasm::open_layout_source(argv[1], source);
        ociwasm::ValidationResult result;
        if (status) {
            status = ociwasm::validate_layout(*source, ociwasm::ValidateOptions{}, result);
        }
        expect(status.is_ok(), std::string(argv[1]) + ": " + status.message());
        expect(result.valid(), std::string(argv[1]) + ": " +
                                   std::to_string(result.findings.count(ociwasm::Severity::error)) +
                                   " error findings");
    }
    if (failures == 0) {
        std::cout << "consumer: ok\n";
    }
    return failures == 0 ? 0 : 1;
}
