// JSON Schema validation against the schemas embedded from schemas/ (schema.h): which of the
// violations valijson reports become findings, and how many. Compiling the schemas lives in
// schema_compiled.cpp, locating and explaining one violation in schema_violation.cpp.
#include "ociwasm/schema.h"

#include <cstddef>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "finding_location.h"
#include "ociwasm/finding_codes.h"
#include "schema_internal.h"

namespace ociwasm {

namespace {

using detail::Violation;
using detail::where;

// Past this many findings for one document, more of them help nobody.
constexpr std::size_t kMaxFindingsPerDocument = 50;

// True when `pointers` holds `base` or a pointer below it.
bool has_at_or_below(const std::set<std::string>& pointers, const std::string& base) {
    if (pointers.count(base) > 0) return true;
    const std::string below = base + "/";
    const auto next = pointers.lower_bound(below);
    return next != pointers.end() && next->starts_with(below);
}

void report(const rapidjson::Value& bundle, const rapidjson::Value& doc,
            const std::vector<detail::SchemaError>& errors, std::string_view file,
            std::string_view code, std::string_view prefix, Findings& out) {
    std::vector<Violation> violations;
    for (const auto& error : errors) violations.push_back(detail::locate_violation(doc, error));

    std::set<std::string> leaf_pointers;
    std::set<std::string> type_error_pointers;
    for (const Violation& violation : violations) {
        if (detail::is_summary(violation.description)) continue;
        leaf_pointers.insert(violation.pointer);
        if (detail::is_type_error(violation.description))
            type_error_pointers.insert(violation.pointer);
    }

    std::set<std::pair<std::string, std::string>> reported;
    std::size_t left_out = 0;
    for (const Violation& violation : violations) {
        const bool summary = detail::is_summary(violation.description);
        if (summary && has_at_or_below(leaf_pointers, violation.pointer)) continue;
        // A value of the wrong type fails its other constraints too; the type says it all.
        if (!summary && !detail::is_type_error(violation.description) &&
            type_error_pointers.count(violation.pointer) > 0) {
            continue;
        }
        if (reported.size() >= kMaxFindingsPerDocument) {
            ++left_out;
            continue;
        }
        const std::string message = detail::explain_violation(violation, bundle);
        if (!reported.emplace(violation.pointer, message).second) continue;
        const std::string pointer = std::string(prefix) + violation.pointer;
        out.error(std::string(code), where(file, pointer) + message, std::string(file), pointer);
    }
    if (left_out > 0) {
        out.error(std::string(code),
                  std::string(file) + ": " + std::to_string(left_out) +
                      " more schema violations not listed",
                  std::string(file), std::string(prefix));
    }
    if (reported.empty() && left_out == 0) {
        out.error(std::string(code),
                  std::string(file) + ": does not match the schema (no detail available)",
                  std::string(file), std::string(prefix));
    }
}

}  // namespace

std::string_view schema_file(SchemaKind kind) {
    switch (kind) {
        case SchemaKind::descriptor:
            return "oci-descriptor.schema.json";
        case SchemaKind::manifest:
            return "oci-manifest.schema.json";
        case SchemaKind::index:
            return "oci-index.schema.json";
        case SchemaKind::config:
            return "oci-config.schema.json";
        case SchemaKind::layout:
            return "oci-layout.schema.json";
        case SchemaKind::lockfile:
            return "spin-lockfile.schema.json";
        case SchemaKind::wasm_config:
            return "wasm-config.schema.json";
    }
    return "";
}

std::string_view schema_code(SchemaKind kind) {
    switch (kind) {
        case SchemaKind::lockfile:
            return codes::kSpinLockfileSchema;
        case SchemaKind::wasm_config:
            return codes::kWasmConfigSchema;
        case SchemaKind::descriptor:
        case SchemaKind::manifest:
        case SchemaKind::index:
        case SchemaKind::config:
        case SchemaKind::layout:
            break;
    }
    return codes::kOciSchema;
}

bool check_schema(SchemaKind kind, const rapidjson::Value& doc, std::string_view file,
                  Findings& out, std::string_view pointer_prefix) {
    return check_schema_named(schema_file(kind), doc, file, out, schema_code(kind), pointer_prefix);
}

bool check_schema_named(std::string_view schema_name, const rapidjson::Value& doc,
                        std::string_view file, Findings& out, std::string_view code,
                        std::string_view pointer_prefix) {
    const std::string at = where(file, std::string(pointer_prefix));
    try {
        const detail::CompiledSchema* compiled = detail::compiled_schema(schema_name);
        if (compiled == nullptr) {
            out.error(std::string(code),
                      at + "expected one of the embedded schemas (" +
                          detail::embedded_schema_names() + "), found \"" +
                          std::string(schema_name) + "\"",
                      std::string(file), std::string(pointer_prefix));
            return false;
        }
        if (const std::string& error = detail::compile_error(*compiled); !error.empty()) {
            out.error(std::string(code),
                      at + "schema " + std::string(schema_name) + " could not be loaded: " + error,
                      std::string(file), std::string(pointer_prefix));
            return false;
        }
        std::vector<detail::SchemaError> errors;
        if (detail::validate_against(*compiled, doc, errors)) return true;
        report(detail::schema_bundle(*compiled), doc, errors, file, code, pointer_prefix, out);
        return false;
    } catch (const std::exception& e) {
        out.error(std::string(code), at + "schema validation failed: " + e.what(),
                  std::string(file), std::string(pointer_prefix));
        return false;
    }
}

}  // namespace ociwasm
