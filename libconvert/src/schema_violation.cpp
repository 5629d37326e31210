// What a schema violation is and says: where in the document it is (a JSON pointer and the
// value found there) and a message saying what the schema expected and what was found, from
// valijson's description and the subschemas that apply at that place.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ociwasm/json.h"
#include "schema_internal.h"
#include "text.h"

namespace ociwasm::detail {

namespace {

using rapidjson::Value;

// Strings quoted in messages are cut to this many bytes.
constexpr std::size_t kMaxQuotedBytes = 80;

constexpr std::string_view kMissingMember = "Missing required property '";
constexpr std::string_view kUnlistedMember =
    "Object contains a property that could not be validated using 'properties' or "
    "'additionalProperties' constraints: '";

// The member name valijson quotes at the end of a description: "<prefix>name'."
std::optional<std::string> quoted_name(std::string_view description, std::string_view prefix) {
    if (!description.starts_with(prefix) || description.size() < prefix.size() + 2) {
        return std::nullopt;
    }
    return std::string(description.substr(prefix.size(), description.size() - prefix.size() - 2));
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
                if (pattern_search(std::string(view_of(entry.name)), name)) {
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
    std::size_t cut = utf8_cut(text, kMaxQuotedBytes);
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
std::string explain_at(const Violation& violation, const std::vector<const Value*>& schemas) {
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
    } else if (description.starts_with("Array should contain")) {
        if (std::string bound = expected_count(schemas, "minItems", "maxItems", "item");
            !bound.empty()) {
            return "expected an array with " + bound + ", found " + found;
        }
    } else if (description.starts_with("Object should have")) {
        if (std::string bound = expected_count(schemas, "minProperties", "maxProperties", "member");
            !bound.empty()) {
            return "expected an object with " + bound + ", found " + found;
        }
    } else if (description.starts_with("String should be no")) {
        if (std::string bound = expected_count(schemas, "minLength", "maxLength", "character");
            !bound.empty()) {
            return "expected a string of " + bound + ", found " + found;
        }
    } else if (description.starts_with(kPatternFailure)) {
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
    } else if (description.starts_with("Expected number ")) {
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

}  // namespace

// valijson's context is {"<root>", "[config]", "[digest]"}; array items are "[0]" too, so the
// document tells names and indexes apart.
Violation locate_violation(const Value& doc, const SchemaError& error) {
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

std::string explain_violation(const Violation& violation, const rapidjson::Value& bundle) {
    return explain_at(violation, SchemaWalker(bundle).at(violation.path));
}

bool is_summary(std::string_view description) {
    return description.starts_with("Failed to validate against schema associated with") ||
           description.starts_with("Failed to validate item #") ||
           description.starts_with("Failed to validate against additional") ||
           description.starts_with("Failed to validate against child schema") ||
           description.starts_with("Failed to validate against dependent schema") ||
           description.starts_with("Failed to validate against a conditional schema") ||
           description.starts_with("Failed to validate against any") ||
           description.starts_with("Failed to validate against exactly one");
}

bool is_type_error(std::string_view description) {
    return description == "Value type not permitted by 'type' constraint.";
}

}  // namespace ociwasm::detail
