// What a schema violation is and says (schema_violation.cpp), below check_schema: valijson's
// path resolved against the document, and the message built from the schema at that place.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ociwasm/json.h"
#include "schema_internal.h"

namespace ociwasm {
namespace {

using detail::SchemaError;

rapidjson::Document parse(const char* text) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_TRUE(parse_json(text, doc, &error)) << error.message;
    return doc;
}

TEST(SchemaViolation, PathTellsIndexesFromMemberNamesByTheDocument) {
    // valijson writes "[0]" for an array item and for a member named "0" alike.
    rapidjson::Document doc = parse(R"({"layers":[{"0":{"a/b":1}}]})");
    SchemaError error{{"<root>", "[layers]", "[0]", "[0]", "[a/b]"}, "Value type not permitted"};
    detail::Violation violation = detail::locate_violation(doc, error);
    EXPECT_EQ(violation.pointer, "/layers/0/0/a~1b");
    ASSERT_EQ(violation.path.size(), 4u);
    EXPECT_TRUE(violation.path[1].is_index);
    EXPECT_FALSE(violation.path[2].is_index);
    ASSERT_NE(violation.value, nullptr);
    EXPECT_TRUE(violation.value->IsInt());
}

TEST(SchemaViolation, UnlistedMemberIsPointedAtNotItsObject) {
    rapidjson::Document doc = parse(R"({"config":{"extra":true}})");
    SchemaError error{{"<root>", "[config]"},
                      "Object contains a property that could not be validated using "
                      "'properties' or 'additionalProperties' constraints: 'extra'."};
    detail::Violation violation = detail::locate_violation(doc, error);
    EXPECT_EQ(violation.pointer, "/config/extra");
    rapidjson::Document schema = parse(R"({"properties":{"config":{"type":"object"}}})");
    EXPECT_EQ(detail::explain_violation(violation, schema),
              R"(expected no member "extra" (the schema lists every member allowed here), )"
              "found the boolean true");
}

TEST(SchemaViolation, PathThatDoesNotResolveFindsNothing) {
    rapidjson::Document doc = parse(R"({"layers":[]})");
    SchemaError error{{"<root>", "[layers]", "[3]"}, "Value type not permitted"};
    detail::Violation violation = detail::locate_violation(doc, error);
    EXPECT_EQ(violation.pointer, "/layers/3");
    EXPECT_EQ(violation.value, nullptr);
}

TEST(SchemaViolation, MessageSaysWhatTheSchemaAtThePathExpected) {
    rapidjson::Document schema =
        parse(R"({"properties":{"size":{"$ref":"#/definitions/int"}},)"
              R"("definitions":{"int":{"type":"integer","minimum":0,"maximum":9}}})");
    rapidjson::Document doc = parse(R"({"size":"7"})");
    detail::Violation type_error = detail::locate_violation(
        doc, SchemaError{{"<root>", "[size]"}, "Value type not permitted by 'type' constraint."});
    EXPECT_EQ(detail::explain_violation(type_error, schema),
              R"(expected an integer, found the string "7")");
    EXPECT_TRUE(detail::is_type_error(type_error.description));
    EXPECT_TRUE(detail::is_summary("Failed to validate item #1 in array."));
    EXPECT_FALSE(detail::is_summary(type_error.description));
}

}  // namespace
}  // namespace ociwasm
