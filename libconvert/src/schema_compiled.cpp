// The embedded schemas compiled for valijson, once per process: each root file bundled with the
// files it references, "pattern" run by our own automaton (schema_pattern.h), and the validation
// run itself. The only file that includes valijson.
//
// GCC 12 with -fsanitize=address (OCIWASM_SANITIZE) reports a false "may be used uninitialized"
// inside libstdc++'s <regex> (valijson includes it); the pragma precedes every include so that it
// covers those headers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <cstddef>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
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

#include "ociwasm/json.h"
#include "schema_data.h"
#include "schema_internal.h"
#include "schema_pattern.h"

namespace ociwasm::detail {

namespace {

using rapidjson::Value;

// The bundle keeps the schema files the root one references under this member.
constexpr char kBundleMember[] = "x-ociwasm-bundle";

// "pattern", matched by our own automaton (schema_pattern.h): linear in the text, no recursion,
// no allocation per match. Compiled once with the schema and shared by its copies; matching is
// read-only, so threads share it.
class SafePatternConstraint : public valijson::constraints::PolyConstraint {
  public:
    SafePatternConstraint(std::string pattern, std::shared_ptr<const SchemaPattern> matcher)
        : pattern_(std::move(pattern)), matcher_(std::move(matcher)) {}

    bool validate(const valijson::adapters::Adapter& target,
                  const std::vector<std::string>& context,
                  valijson::ValidationResults* results) const override {
        if (!target.isString()) return true;  // "pattern" says nothing about other types
        // The adapter only hands out copies: one buffer per thread keeps that from allocating.
        thread_local std::string text;
        target.getString(text);
        if (matcher_->search(text)) return true;
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
    std::shared_ptr<const SchemaPattern> matcher_;
};

class SafePatternBuilder : public valijson::ConstraintBuilder {
  public:
    valijson::constraints::Constraint* make(
        const valijson::adapters::Adapter& node) const override {
        std::string pattern;
        if (!node.getString(pattern)) throw std::runtime_error("\"pattern\" is not a string");
        std::string error;
        std::optional<SchemaPattern> matcher = SchemaPattern::compile(pattern, error);
        if (!matcher) throw std::runtime_error("\"pattern\" " + pattern + ": " + error);
        return new SafePatternConstraint(
            std::move(pattern), std::make_shared<const SchemaPattern>(std::move(*matcher)));
    }
};

std::optional<std::string_view> embedded_schema(std::string_view name) {
    for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i) {
        if (kEmbeddedSchemas[i].name == name) return kEmbeddedSchemas[i].bytes;
    }
    return std::nullopt;
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

}  // namespace

struct CompiledSchema {
    rapidjson::Document bundle;  // the schema with the files it references; all $refs local
    valijson::Schema schema;
    std::string error;  // why the schema could not be compiled; empty when usable
};

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

const std::string& compile_error(const CompiledSchema& schema) {
    return schema.error;
}

const rapidjson::Value& schema_bundle(const CompiledSchema& schema) {
    return schema.bundle;
}

bool validate_against(const CompiledSchema& schema, const rapidjson::Value& doc,
                      std::vector<SchemaError>& errors) {
    valijson::ValidationResults results;
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    const valijson::adapters::RapidJsonAdapter target(doc);
    if (validator.validate(schema.schema, target, &results)) return true;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        errors.push_back(SchemaError{std::move(error.context), std::move(error.description)});
    }
    return false;
}

std::string embedded_schema_names() {
    std::string names;
    for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i) {
        if (i > 0) names += ", ";
        names += kEmbeddedSchemas[i].name;
    }
    return names;
}

bool pattern_search(const std::string& pattern, const std::string& text) {
    std::string error;
    std::optional<SchemaPattern> matcher = SchemaPattern::compile(pattern, error);
    return matcher && matcher->search(text);
}

}  // namespace ociwasm::detail
