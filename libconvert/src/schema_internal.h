// The parts of the JSON Schema module (schema.cpp) shared by its files: the embedded schemas
// compiled for valijson (schema_compiled.cpp) and what a violation is and says
// (schema_violation.cpp). valijson itself stays inside schema_compiled.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace ociwasm::detail {

// "pattern" is renamed to this keyword before compiling so that the safe pattern constraint
// runs it.
inline constexpr char kPatternKeyword[] = "x-ociwasm-pattern";
// Start of the error description the safe pattern constraint reports; the pattern follows.
inline constexpr std::string_view kPatternFailure = "pattern mismatch: ";

inline std::string_view view_of(const rapidjson::Value& string) {
    return std::string_view(string.GetString(), string.GetStringLength());
}

// ---- compiled schemas (schema_compiled.cpp) ----

// One failed constraint as valijson reports it: the path to the value ({"<root>", "[config]",
// "[0]"}) and valijson's description.
struct SchemaError {
    std::vector<std::string> context;
    std::string description;
};

struct CompiledSchema;

// The embedded schema file `name` compiled on first use; later calls, from any thread, share
// it. nullptr when no embedded file has that name.
const CompiledSchema* compiled_schema(std::string_view name);
// Why the schema could not be compiled; empty when it is usable.
const std::string& compile_error(const CompiledSchema& schema);
// The schema with the files it references bundled in; every $ref in it is local.
const rapidjson::Value& schema_bundle(const CompiledSchema& schema);
// Validates `doc`. Returns false, with every failed constraint in `errors` in valijson's order,
// when it does not match.
bool validate_against(const CompiledSchema& schema, const rapidjson::Value& doc,
                      std::vector<SchemaError>& errors);
// The embedded schema file names, comma separated.
std::string embedded_schema_names();
// Whether `text` holds a match of the ECMAScript regex `pattern`, searched in time linear in
// the text (the way the safe pattern constraint matches long strings).
bool pattern_search(const std::string& pattern, const std::string& text);

// ---- violations (schema_violation.cpp) ----

// One step of the path valijson reports, resolved against the document.
struct PathStep {
    bool is_index = false;
    std::size_t index = 0;
    std::string name;
};

struct Violation {
    std::vector<PathStep> path;
    std::string pointer;                      // RFC 6901, relative to the validated document
    const rapidjson::Value* value = nullptr;  // the offending value; nullptr if not resolved
    std::string description;                  // valijson's
};

// Where in `doc` the error is: its path, JSON pointer and value.
Violation locate_violation(const rapidjson::Value& doc, const SchemaError& error);
// "expected X, found Y" from valijson's description and the subschemas of `bundle` that apply
// at the violation's path.
std::string explain_violation(const Violation& violation, const rapidjson::Value& bundle);
// valijson also reports each failing parent ("Failed to validate item #1 ...") above the leaf
// that failed; the leaf says everything.
bool is_summary(std::string_view description);
// A value of the wrong type.
bool is_type_error(std::string_view description);

}  // namespace ociwasm::detail
