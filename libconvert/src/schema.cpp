// GCC 12 with -fsanitize=address (OCIWASM_SANITIZE) reports a false "may be used uninitialized"
// inside libstdc++'s <regex>; the pragma precedes every include so that it covers those headers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "ociwasm/schema.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
// The valijson RapidJSON adapter, with valijson's exception mode off while it is read: in that
// mode it redefines RAPIDJSON_ASSERT (and warns, since RapidJSON came first), which would build
// this file's RapidJSON code differently from the rest of the library. Its dependencies are read
// first, in exception mode, and #pragma once keeps them from being read again.
#include <valijson/exceptions.hpp>
#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>
#pragma push_macro("VALIJSON_USE_EXCEPTIONS")
#undef VALIJSON_USE_EXCEPTIONS
#include <valijson/adapters/rapidjson_adapter.hpp>
#pragma pop_macro("VALIJSON_USE_EXCEPTIONS")
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "finding_location.h"
#include "ociwasm/json.h"
#include "schema_data.h"

namespace ociwasm {

namespace {

using detail::where;
using rapidjson::Value;

// The bundle keeps the schema files the root one references under this member.
constexpr char kBundleMember[] = "x-ociwasm-bundle";
// "pattern" is renamed to this keyword before compiling so that SafePatternConstraint runs it.
constexpr char kPatternKeyword[] = "x-ociwasm-pattern";
// Start of the error description SafePatternConstraint reports; the pattern follows.
constexpr std::string_view kPatternFailure = "pattern mismatch: ";
// Past this many findings for one document, more of them help nobody.
constexpr std::size_t kMaxFindingsPerDocument = 50;
// Strings quoted in messages are cut to this many bytes.
constexpr std::size_t kMaxQuotedBytes = 80;

std::string_view view_of(const Value& string) {
    return std::string_view(string.GetString(), string.GetStringLength());
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// libstdc++'s default std::regex matcher recurses once or more per input character and
// overflows the stack on strings of some 30 KB (a large inline file, a data field); its
// breadth-first matcher (the __polynomial extension) loops instead, in time linear in the input,
// but is two or three times slower on the short strings that make up most documents.
std::regex compile_pattern(const std::string& pattern, bool linear) {
#if defined(__GLIBCXX__)
    if (linear) {
        return std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
    }
#else
    (void)linear;
#endif
    return std::regex(pattern, std::regex::ECMAScript);
}

// Strings shorter than this (digests, media types, dates) take the recursive matcher: at most
// some 64 KB of stack.
constexpr std::size_t kShortString = 256;

// "pattern", matched safely (valijson's own uses the recursive matcher for any length). The
// regexes are compiled once with the schema; matching a const regex is thread-safe.
class SafePatternConstraint : public valijson::constraints::PolyConstraint {
  public:
    explicit SafePatternConstraint(std::string pattern)
        : pattern_(std::move(pattern)),
          short_regex_(compile_pattern(pattern_, false)),
          long_regex_(compile_pattern(pattern_, true)) {}

    bool validate(const valijson::adapters::Adapter& target,
                  const std::vector<std::string>& context,
                  valijson::ValidationResults* results) const override {
        if (!target.isString()) return true;  // "pattern" says nothing about other types
        const std::string text = target.asString();
        const std::regex& regex = text.size() < kShortString ? short_regex_ : long_regex_;
        if (std::regex_search(text, regex)) return true;
        if (results != nullptr) {
            results->pushError(context, std::string(kPatternFailure) + pattern_);
        }
        return false;
    }

  private:
    Constraint* cloneInto(void* where) const override {
        return new (where) SafePatternConstraint(*this);
    }
    std::size_t sizeOf() const override { return sizeof(SafePatternConstraint); }

    std::string pattern_;
    std::regex short_regex_;
    std::regex long_regex_;
};

class SafePatternBuilder : public valijson::ConstraintBuilder {
  public:
    valijson::constraints::Constraint* make(
        const valijson::adapters::Adapter& node) const override {
        std::string pattern;
        if (!node.getString(pattern)) throw std::runtime_error("\"pattern\" is not a string");
        return new SafePatternConstraint(std::move(pattern));
    }
};

std::optional<std::string_view> embedded_schema(std::string_view name) {
    for (std::size_t i = 0; i < detail::kEmbeddedSchemaCount; ++i) {
        if (detail::kEmbeddedSchemas[i].name == name) return detail::kEmbeddedSchemas[i].bytes;
    }
    return std::nullopt;
}

std::string embedded_schema_names() {
    std::string names;
    for (std::size_t i = 0; i < detail::kEmbeddedSchemaCount; ++i) {
        if (i > 0) names += ", ";
        names += detail::kEmbeddedSchemas[i].name;
    }
    return names;
}

bool parse_schema_file(std::string_view name, rapidjson::Document& doc, std::string& error) {
    const std::optional<std::string_view> bytes = embedded_schema(name);
    if (!bytes) {
        error = "no embedded schema file \"" + std::string(name) + "\"";
        return false;
    }
    doc.Parse(bytes->data(), bytes->size());
    if (doc.HasParseError() || !doc.IsObject()) {
        error = std::string(name) + " is not a JSON object (parse error at byte " +
                std::to_string(doc.GetErrorOffset()) + ")";
        return false;
    }
    return true;
}

// Keywords whose value is a map of name to subschema.
bool holds_schema_map(std::string_view keyword) {
    return keyword == "properties" || keyword == "patternProperties" || keyword == "definitions" ||
           keyword == "$defs" || keyword == "dependencies";
}

// Keywords whose value is a subschema or an array of them.
bool holds_subschemas(std::string_view keyword) {
    return keyword == "items" || keyword == "additionalItems" ||
           keyword == "additionalProperties" || keyword == "allOf" || keyword == "anyOf" ||
           keyword == "oneOf" || keyword == "not" || keyword == "if" || keyword == "then" ||
           keyword == "else" || keyword == "contains" || keyword == "propertyNames";
}

// Copies the root schema file and every file it references into one document in which all
// $refs are local. valijson resolves a relative $ref by appending it to the current URI, and
// caches compiled subschemas by JSON pointer alone (two files with the same pointer would share
// one subschema): one self-contained document avoids both.
class SchemaBundler {
  public:
    explicit SchemaBundler(std::string_view root) : root_(root) {}

    bool run(rapidjson::Document& bundle, std::string& error) {
        if (!parse_schema_file(root_, bundle, error)) return false;
        rewrite_schema(bundle, root_, bundle.GetAllocator());
        Value files(rapidjson::kObjectType);
        while (!pending_.empty()) {
            const std::string name = pending_.front();
            pending_.pop_front();
            rapidjson::Document file;
            if (!parse_schema_file(name, file, error)) {
                error = root_ + " references " + name + ": " + error;
                return false;
            }
            rewrite_schema(file, name, file.GetAllocator());
            Value key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()),
                      bundle.GetAllocator());
            Value copy(file, bundle.GetAllocator());
            files.AddMember(key, copy, bundle.GetAllocator());
        }
        if (files.MemberCount() > 0) {
            bundle.AddMember(Value(kBundleMember, bundle.GetAllocator()), files,
                             bundle.GetAllocator());
        }
        return true;
    }

  private:
    using Allocator = rapidjson::Document::AllocatorType;

    void rewrite_schema(Value& schema, const std::string& file, Allocator& allocator) {
        if (!schema.IsObject()) return;
        for (auto& member : schema.GetObject()) {
            const std::string_view keyword = view_of(member.name);
            Value& value = member.value;
            if (keyword == "$ref" && value.IsString()) {
                rewrite_ref(value, file, allocator);
            } else if (keyword == "pattern" && value.IsString()) {
                member.name.SetString(kPatternKeyword, allocator);
            } else if (holds_schema_map(keyword) && value.IsObject()) {
                for (auto& entry : value.GetObject()) rewrite_schema(entry.value, file, allocator);
            } else if (holds_subschemas(keyword)) {
                if (value.IsArray()) {
                    for (auto& item : value.GetArray()) rewrite_schema(item, file, allocator);
                } else {
                    rewrite_schema(value, file, allocator);
                }
            }
        }
    }

    // "other.schema.json#/definitions/x" -> "#/x-ociwasm-bundle/other.schema.json/definitions/x";
    // "#/definitions/x" inside a bundled file is made relative to that file's copy.
    void rewrite_ref(Value& ref, const std::string& file, Allocator& allocator) {
        const std::string_view text = view_of(ref);
        const std::size_t hash = text.find('#');
        std::string target(text.substr(0, hash));
        const std::string_view fragment =
            hash == std::string_view::npos ? std::string_view() : text.substr(hash + 1);
        if (target.empty()) target = file;
        std::string local = "#";
        if (target != root_) {
            local += '/';
            local += kBundleMember;
            local += '/';
            local += pointer_escape(target);
            if (queued_.insert(target).second) pending_.push_back(target);
        }
        local += fragment;
        ref.SetString(local.c_str(), static_cast<rapidjson::SizeType>(local.size()), allocator);
    }

    std::string root_;
    std::set<std::string> queued_;
    std::deque<std::string> pending_;
};

struct CompiledSchema {
    rapidjson::Document bundle;  // the schema with the files it references; all $refs local
    valijson::Schema schema;
    std::string error;  // why the schema could not be compiled; empty when usable
};

// Compiles each embedded schema on first use; later calls, from any thread, share it.
// Returns nullptr when no embedded file has that name.
const CompiledSchema* compiled_schema(std::string_view name) {
    static std::mutex mutex;
    // Never destroyed: threads may still validate while the process exits.
    static auto& cache = *new std::map<std::string, std::unique_ptr<CompiledSchema>, std::less<>>;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto found = cache.find(name); found != cache.end()) return found->second.get();
    if (!embedded_schema(name)) return nullptr;
    auto compiled = std::make_unique<CompiledSchema>();
    if (SchemaBundler(name).run(compiled->bundle, compiled->error)) {
        try {
            valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
            parser.addConstraintBuilder(kPatternKeyword, new SafePatternBuilder());
            const valijson::adapters::RapidJsonAdapter adapter(compiled->bundle);
            parser.populateSchema(adapter, compiled->schema);
        } catch (const std::exception& e) {
            compiled->error = e.what();
        }
    }
    return cache.emplace(std::string(name), std::move(compiled)).first->second.get();
}

// One step of the path valijson reports, resolved against the document.
struct PathStep {
    bool is_index = false;
    std::size_t index = 0;
    std::string name;
};

struct Violation {
    std::vector<PathStep> path;
    std::string pointer;           // RFC 6901, relative to the validated document
    const Value* value = nullptr;  // the offending value; nullptr if the path did not resolve
    std::string description;       // valijson's
};

constexpr std::string_view kMissingMember = "Missing required property '";
constexpr std::string_view kUnlistedMember =
    "Object contains a property that could not be validated using 'properties' or "
    "'additionalProperties' constraints: '";

// The member name valijson quotes at the end of a description: "<prefix>name'."
std::optional<std::string> quoted_name(std::string_view description, std::string_view prefix) {
    if (!starts_with(description, prefix) || description.size() < prefix.size() + 2) {
        return std::nullopt;
    }
    return std::string(description.substr(prefix.size(), description.size() - prefix.size() - 2));
}

// valijson's context is {"<root>", "[config]", "[digest]"}; array items are "[0]" too, so the
// document tells names and indexes apart.
Violation locate(const Value& doc, const valijson::ValidationResults::Error& error) {
    Violation violation;
    violation.description = error.description;
    const Value* value = &doc;
    for (std::size_t i = 1; i < error.context.size(); ++i) {
        std::string token = error.context[i];
        if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
            token = token.substr(1, token.size() - 2);
        }
        PathStep step;
        step.name = token;
        if (value != nullptr && value->IsArray()) {
            std::size_t index = 0;
            const auto [end, ec] =
                std::from_chars(token.data(), token.data() + token.size(), index);
            if (ec == std::errc() && end == token.data() + token.size() && index < value->Size()) {
                step.is_index = true;
                step.index = index;
                value = &(*value)[static_cast<rapidjson::SizeType>(index)];
            } else {
                value = nullptr;
            }
        } else if (value != nullptr && value->IsObject()) {
            const Value key(rapidjson::StringRef(token.data(), token.size()));
            const auto member = value->FindMember(key);
            value = member == value->MemberEnd() ? nullptr : &member->value;
        } else {
            value = nullptr;
        }
        violation.pointer = step.is_index ? pointer_join(violation.pointer, step.index)
                                          : pointer_join(violation.pointer, step.name);
        violation.path.push_back(std::move(step));
    }
    // A member the schema does not allow is reported on its object; point at the member.
    if (const auto name = quoted_name(error.description, kUnlistedMember);
        name && value != nullptr && value->IsObject()) {
        const Value key(rapidjson::StringRef(name->data(), name->size()));
        if (const auto member = value->FindMember(key); member != value->MemberEnd()) {
            violation.pointer = pointer_join(violation.pointer, *name);
            violation.path.push_back(PathStep{false, 0, *name});
            value = &member->value;
        }
    }
    violation.value = value;
    return violation;
}

// Finds the subschemas that apply at a document path, to say what they expected.
class SchemaWalker {
  public:
    explicit SchemaWalker(const Value& bundle) : bundle_(bundle) {}

    std::vector<const Value*> at(const std::vector<PathStep>& path) const {
        std::vector<const Value*> schemas;
        expand(&bundle_, schemas, 0);
        for (const PathStep& step : path) {
            std::vector<const Value*> next;
            for (const Value* schema : schemas) {
                if (step.is_index) {
                    item(*schema, step.index, next);
                } else {
                    member(*schema, step.name, next);
                }
            }
            schemas = std::move(next);
        }
        return schemas;
    }

  private:
    void expand(const Value* schema, std::vector<const Value*>& out, int depth) const {
        if (schema == nullptr || !schema->IsObject() || depth > 64) return;
        const auto ref = schema->FindMember("$ref");
        if (ref != schema->MemberEnd() && ref->value.IsString()) {
            const rapidjson::Pointer pointer(ref->value.GetString(), ref->value.GetStringLength());
            expand(pointer.IsValid() ? pointer.Get(bundle_) : nullptr, out, depth + 1);
            return;
        }
        out.push_back(schema);
        for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
            const auto list = schema->FindMember(keyword);
            if (list == schema->MemberEnd() || !list->value.IsArray()) continue;
            for (const Value& option : list->value.GetArray()) expand(&option, out, depth + 1);
        }
        for (const char* keyword : {"then", "else"}) {
            const auto branch = schema->FindMember(keyword);
            if (branch != schema->MemberEnd()) expand(&branch->value, out, depth + 1);
        }
    }

    void member(const Value& schema, const std::string& name,
                std::vector<const Value*>& out) const {
        bool matched = false;
        const auto properties = schema.FindMember("properties");
        if (properties != schema.MemberEnd() && properties->value.IsObject()) {
            const Value key(rapidjson::StringRef(name.data(), name.size()));
            const auto property = properties->value.FindMember(key);
            if (property != properties->value.MemberEnd()) {
                expand(&property->value, out, 0);
                matched = true;
            }
        }
        const auto patterns = schema.FindMember("patternProperties");
        if (patterns != schema.MemberEnd() && patterns->value.IsObject()) {
            for (const auto& entry : patterns->value.GetObject()) {
                const std::regex regex = compile_pattern(std::string(view_of(entry.name)), true);
                if (std::regex_search(name, regex)) {
                    expand(&entry.value, out, 0);
                    matched = true;
                }
            }
        }
        const auto additional = schema.FindMember("additionalProperties");
        if (!matched && additional != schema.MemberEnd()) expand(&additional->value, out, 0);
    }

    void item(const Value& schema, std::size_t index, std::vector<const Value*>& out) const {
        const auto items = schema.FindMember("items");
        if (items == schema.MemberEnd()) return;
        if (items->value.IsObject()) {
            expand(&items->value, out, 0);
        } else if (items->value.IsArray()) {
            if (index < items->value.Size()) {
                expand(&items->value[static_cast<rapidjson::SizeType>(index)], out, 0);
            } else if (const auto extra = schema.FindMember("additionalItems");
                       extra != schema.MemberEnd()) {
                expand(&extra->value, out, 0);
            }
        }
    }

    const Value& bundle_;
};

std::string json_text(const Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string json_quote(std::string_view text) {
    std::size_t cut = text.size();
    if (cut > kMaxQuotedBytes) {
        cut = kMaxQuotedBytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(cut));
    std::string quoted(buffer.GetString(), buffer.GetSize());
    if (cut < text.size()) quoted += "... (" + std::to_string(text.size()) + " bytes)";
    return quoted;
}

std::string count_of(std::size_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string describe_found(const Value* value) {
    if (value == nullptr) return "nothing";
    switch (value->GetType()) {
        case rapidjson::kNullType:
            return "null";
        case rapidjson::kFalseType:
            return "the boolean false";
        case rapidjson::kTrueType:
            return "the boolean true";
        case rapidjson::kObjectType:
            return "an object with " + count_of(value->MemberCount(), "member");
        case rapidjson::kArrayType:
            return "an array with " + count_of(value->Size(), "item");
        case rapidjson::kStringType:
            return "the string " + json_quote(view_of(*value));
        case rapidjson::kNumberType:
            return "the number " + json_text(*value);
    }
    return "a value";
}

std::string type_phrase(std::string_view type) {
    if (type == "integer") return "an integer";
    if (type == "object") return "an object";
    if (type == "array") return "an array";
    if (type == "null") return "null";
    return "a " + std::string(type);
}

std::string expected_types(const Value& type) {
    if (type.IsString()) return type_phrase(view_of(type));
    std::string out;
    if (type.IsArray()) {
        for (const Value& one : type.GetArray()) {
            if (!one.IsString()) continue;
            if (!out.empty()) out += " or ";
            out += type_phrase(view_of(one));
        }
    }
    return out.empty() ? "another type" : out;
}

const Value* find_keyword(const std::vector<const Value*>& schemas, const char* keyword) {
    for (const Value* schema : schemas) {
        const auto found = schema->FindMember(keyword);
        if (found != schema->MemberEnd()) return &found->value;
    }
    return nullptr;
}

std::string expected_range(const std::vector<const Value*>& schemas) {
    for (const Value* schema : schemas) {
        const auto minimum = schema->FindMember("minimum");
        const auto maximum = schema->FindMember("maximum");
        const bool has_min = minimum != schema->MemberEnd() && minimum->value.IsNumber();
        const bool has_max = maximum != schema->MemberEnd() && maximum->value.IsNumber();
        if (!has_min && !has_max) continue;
        const auto type = schema->FindMember("type");
        std::string out = type != schema->MemberEnd() && type->value.IsString() &&
                                  view_of(type->value) == "integer"
                              ? "an integer"
                              : "a number";
        if (has_min && has_max) {
            out += " from " + json_text(minimum->value) + " to " + json_text(maximum->value);
        } else if (has_min) {
            out += " >= " + json_text(minimum->value);
        } else {
            out += " <= " + json_text(maximum->value);
        }
        return out;
    }
    return {};
}

// "at least 1 item", "1 to 3 items", "at most 3 items" from minX/maxX in the subschemas.
std::string expected_count(const std::vector<const Value*>& schemas, const char* min_keyword,
                           const char* max_keyword, std::string_view noun) {
    for (const Value* schema : schemas) {
        const auto minimum = schema->FindMember(min_keyword);
        const auto maximum = schema->FindMember(max_keyword);
        const bool has_min = minimum != schema->MemberEnd() && minimum->value.IsUint64();
        const bool has_max = maximum != schema->MemberEnd() && maximum->value.IsUint64();
        if (has_min && has_max) {
            const std::uint64_t low = minimum->value.GetUint64();
            const std::uint64_t high = maximum->value.GetUint64();
            if (low == high) return "exactly " + count_of(low, noun);
            return std::to_string(low) + " to " + count_of(high, noun);
        }
        if (has_min) return "at least " + count_of(minimum->value.GetUint64(), noun);
        if (has_max) return "at most " + count_of(maximum->value.GetUint64(), noun);
    }
    return {};
}

// "expected X, found Y" from valijson's description and the subschemas at the value's path.
std::string explain(const Violation& violation, const std::vector<const Value*>& schemas) {
    const std::string found = describe_found(violation.value);
    const std::string& description = violation.description;
    if (description == "Value type not permitted by 'type' constraint.") {
        if (const Value* type = find_keyword(schemas, "type")) {
            return "expected " + expected_types(*type) + ", found " + found;
        }
    } else if (const auto missing = quoted_name(description, kMissingMember)) {
        return "expected member " + json_quote(*missing) + ", found an object without it";
    } else if (const auto unlisted = quoted_name(description, kUnlistedMember)) {
        return "expected no member " + json_quote(*unlisted) +
               " (the schema lists every member allowed here), found " + found;
    } else if (starts_with(description, "Array should contain")) {
        if (std::string bound = expected_count(schemas, "minItems", "maxItems", "item");
            !bound.empty()) {
            return "expected an array with " + bound + ", found " + found;
        }
    } else if (starts_with(description, "Object should have")) {
        if (std::string bound = expected_count(schemas, "minProperties", "maxProperties", "member");
            !bound.empty()) {
            return "expected an object with " + bound + ", found " + found;
        }
    } else if (starts_with(description, "String should be no")) {
        if (std::string bound = expected_count(schemas, "minLength", "maxLength", "character");
            !bound.empty()) {
            return "expected a string of " + bound + ", found " + found;
        }
    } else if (starts_with(description, kPatternFailure)) {
        // The schema's description of the string says it better than the regex, when there is one.
        const std::string pattern = description.substr(kPatternFailure.size());
        std::string what = "a string matching " + pattern;
        for (const Value* schema : schemas) {
            const auto keyword = schema->FindMember(kPatternKeyword);
            const auto text = schema->FindMember("description");
            if (keyword != schema->MemberEnd() && keyword->value.IsString() &&
                view_of(keyword->value) == pattern && text != schema->MemberEnd() &&
                text->value.IsString()) {
                what = std::string(view_of(text->value));
                break;
            }
        }
        return "expected " + what + ", found " + found;
    } else if (description == "Failed to match expected value set by 'const' constraint.") {
        if (const Value* value = find_keyword(schemas, "const")) {
            return "expected " + json_text(*value) + ", found " + found;
        }
    } else if (description == "Failed to match against any enum values.") {
        if (const Value* values = find_keyword(schemas, "enum"); values && values->IsArray()) {
            std::string list;
            for (const Value& value : values->GetArray()) {
                if (!list.empty()) list += ", ";
                list += json_text(value);
            }
            return "expected one of " + list + ", found " + found;
        }
    } else if (starts_with(description, "Expected number ")) {
        if (std::string range = expected_range(schemas); !range.empty()) {
            return "expected " + range + ", found " + found;
        }
    }
    // Anything else: valijson's own words name the constraint.
    std::string text = description;
    if (!text.empty() && text.back() == '.') text.pop_back();
    if (!text.empty() && text.front() >= 'A' && text.front() <= 'Z') text.front() += 'a' - 'A';
    return text + " (found " + found + ")";
}

// valijson also reports each failing parent ("Failed to validate item #1 ...") above the leaf
// that failed; the leaf says everything.
bool is_summary(std::string_view description) {
    return starts_with(description, "Failed to validate against schema associated with") ||
           starts_with(description, "Failed to validate item #") ||
           starts_with(description, "Failed to validate against additional") ||
           starts_with(description, "Failed to validate against child schema") ||
           starts_with(description, "Failed to validate against dependent schema") ||
           starts_with(description, "Failed to validate against a conditional schema") ||
           starts_with(description, "Failed to validate against any") ||
           starts_with(description, "Failed to validate against exactly one");
}

bool is_type_error(std::string_view description) {
    return description == "Value type not permitted by 'type' constraint.";
}

// True when `pointers` holds `base` or a pointer below it.
bool has_at_or_below(const std::set<std::string>& pointers, const std::string& base) {
    if (pointers.count(base) > 0) return true;
    const std::string below = base + "/";
    const auto next = pointers.lower_bound(below);
    return next != pointers.end() && starts_with(*next, below);
}

void report(const CompiledSchema& compiled, const Value& doc,
            const valijson::ValidationResults& results, std::string_view file,
            std::string_view code, std::string_view prefix, Findings& out) {
    std::vector<Violation> violations;
    for (const auto& error : results) violations.push_back(locate(doc, error));

    std::set<std::string> leaf_pointers;
    std::set<std::string> type_error_pointers;
    for (const Violation& violation : violations) {
        if (is_summary(violation.description)) continue;
        leaf_pointers.insert(violation.pointer);
        if (is_type_error(violation.description)) type_error_pointers.insert(violation.pointer);
    }

    const SchemaWalker walker(compiled.bundle);
    std::set<std::pair<std::string, std::string>> reported;
    std::size_t left_out = 0;
    for (const Violation& violation : violations) {
        const bool summary = is_summary(violation.description);
        if (summary && has_at_or_below(leaf_pointers, violation.pointer)) continue;
        // A value of the wrong type fails its other constraints too; the type says it all.
        if (!summary && !is_type_error(violation.description) &&
            type_error_pointers.count(violation.pointer) > 0) {
            continue;
        }
        if (reported.size() >= kMaxFindingsPerDocument) {
            ++left_out;
            continue;
        }
        const std::string message = explain(violation, walker.at(violation.path));
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
    }
    return "";
}

std::string_view schema_code(SchemaKind kind) {
    return kind == SchemaKind::lockfile ? "SPIN-LOCKFILE-SCHEMA" : "OCI-SCHEMA";
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
        const CompiledSchema* compiled = compiled_schema(schema_name);
        if (compiled == nullptr) {
            out.error(std::string(code),
                      at + "expected one of the embedded schemas (" + embedded_schema_names() +
                          "), found \"" + std::string(schema_name) + "\"",
                      std::string(file), std::string(pointer_prefix));
            return false;
        }
        if (!compiled->error.empty()) {
            out.error(std::string(code),
                      at + "schema " + std::string(schema_name) +
                          " could not be loaded: " + compiled->error,
                      std::string(file), std::string(pointer_prefix));
            return false;
        }
        valijson::ValidationResults results;
        valijson::Validator validator(valijson::Validator::kStrongTypes);
        const valijson::adapters::RapidJsonAdapter target(doc);
        if (validator.validate(compiled->schema, target, &results)) return true;
        report(*compiled, doc, results, file, code, pointer_prefix, out);
        return false;
    } catch (const std::exception& e) {
        out.error(std::string(code), at + "schema validation failed: " + e.what(),
                  std::string(file), std::string(pointer_prefix));
        return false;
    }
}

}  // namespace ociwasm
