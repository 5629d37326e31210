// JSON Schema validation against the schemas embedded from schemas/ (OCI documents, the Spin
// lockfile, our own output). Each schema is compiled once per process and shared by all threads.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

#include "ociwasm/finding.h"

namespace ociwasm {

enum class SchemaKind { descriptor, manifest, index, config, layout, lockfile, wasm_config };

// The embedded schema file for `kind`, e.g. "oci-manifest.schema.json".
std::string_view schema_file(SchemaKind kind);

// The finding code for schema violations of `kind`: codes::kSpinLockfileSchema for the lockfile,
// codes::kWasmConfigSchema for the CNCF wasm config, codes::kOciSchema for the OCI documents.
std::string_view schema_code(SchemaKind kind);

// Validates `doc` against the embedded schema for `kind`. Each violation becomes an error finding
// with the kind's code, `file`, an RFC 6901 pointer to the offending value (prefixed by
// `pointer_prefix` when `doc` is embedded in a larger document) and a message saying what was
// expected and what was found. Returns true when `doc` is valid.
bool check_schema(SchemaKind kind, const rapidjson::Value& doc, std::string_view file,
                  Findings& out, std::string_view pointer_prefix = "");

// The same against the embedded schema file `schema_name` (e.g. one of our output schemas);
// findings carry `code`. An unknown name, or a schema that cannot be compiled, gives false and
// a finding saying so.
bool check_schema_named(std::string_view schema_name, const rapidjson::Value& doc,
                        std::string_view file, Findings& out, std::string_view code,
                        std::string_view pointer_prefix = "");

}  // namespace ociwasm
