// The lockfile view: every content reference of a lockfile, with its kind, owner and pointer,
// in the documented order; anything malformed simply has no references.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "lockfile_view.h"

namespace ociwasm {
namespace {

using detail::ContentKind;
using detail::ContentOwner;
using detail::ContentRef;
using detail::LockfileView;

struct Seen {
    ContentKind kind;
    ContentOwner owner;
    std::size_t owner_index;
    std::string pointer;
    std::string digest;
};

bool operator==(const Seen& a, const Seen& b) {
    return a.kind == b.kind && a.owner == b.owner && a.owner_index == b.owner_index &&
           a.pointer == b.pointer && a.digest == b.digest;
}

std::vector<Seen> collect(const rapidjson::Value& lockfile,
                          void (LockfileView::*visit)(const LockfileView::Visitor&) const) {
    std::vector<Seen> seen;
    (LockfileView(lockfile).*visit)([&seen](const ContentRef& ref) {
        seen.push_back({ref.kind, ref.owner, ref.owner_index, ref.pointer,
                        std::string(ref.digest().value_or(""))});
    });
    return seen;
}

rapidjson::Document parse(const char* json) {
    rapidjson::Document doc;
    doc.Parse(json);
    EXPECT_FALSE(doc.HasParseError()) << json;
    return doc;
}

constexpr const char* kLockfile = R"({
  "spin_lock_version": 1,
  "triggers": [
    {"id": "t0", "trigger_type": "http", "trigger_config": {"component": "a"},
     "trigger_dependencies": {"g": [{"source": {"digest": "sha256:t0g0"}}, {"nosource": 1}]}},
    {"id": "t1", "dependencies": {"x/y~z": {"source": {"digest": "sha256:t1x"}}}}
  ],
  "components": [
    {"id": "a", "source": {"content_type": "application/wasm", "digest": "sha256:a"},
     "dependencies": {"dep:one": {"source": {"digest": "sha256:a-dep"}}, "empty": {}},
     "trigger_dependencies": {"h": [{"source": {"inline": "AA"}}]},
     "files": [{"path": "x.txt", "digest": "sha256:a-file0"}, {"path": "y.txt", "inline": "AA"}]},
    "not an object",
    {"id": "c", "files": "not an array", "metadata": {"digest": "sha256:unknown-member"}}
  ]
})";

TEST(LockfileView, VisitsComponentsInOrderWithPointers) {
    rapidjson::Document doc = parse(kLockfile);
    std::vector<Seen> expected = {
        {ContentKind::source, ContentOwner::component, 0, "/components/0/source", "sha256:a"},
        {ContentKind::dependency, ContentOwner::component, 0,
         "/components/0/dependencies/dep:one/source", "sha256:a-dep"},
        {ContentKind::trigger_dependency, ContentOwner::component, 0,
         "/components/0/trigger_dependencies/h/0/source", ""},
        {ContentKind::file, ContentOwner::component, 0, "/components/0/files/0", "sha256:a-file0"},
        {ContentKind::file, ContentOwner::component, 0, "/components/0/files/1", ""},
    };
    EXPECT_EQ(collect(doc, &LockfileView::visit_components), expected);
}

TEST(LockfileView, VisitsTriggerDependenciesWithEscapedPointers) {
    rapidjson::Document doc = parse(kLockfile);
    std::vector<Seen> expected = {
        {ContentKind::trigger_dependency, ContentOwner::trigger, 0,
         "/triggers/0/trigger_dependencies/g/0/source", "sha256:t0g0"},
        {ContentKind::dependency, ContentOwner::trigger, 1,
         "/triggers/1/dependencies/x~1y~0z/source", "sha256:t1x"},
    };
    EXPECT_EQ(collect(doc, &LockfileView::visit_triggers), expected);
}

TEST(LockfileView, VisitIsComponentsThenTriggers) {
    rapidjson::Document doc = parse(kLockfile);
    std::vector<Seen> all = collect(doc, &LockfileView::visit);
    ASSERT_EQ(all.size(), 7u);
    EXPECT_EQ(all.front().pointer, "/components/0/source");
    EXPECT_EQ(all.back().pointer, "/triggers/1/dependencies/x~1y~0z/source");
}

TEST(LockfileView, FileRefsExposePathAndInline) {
    rapidjson::Document doc = parse(kLockfile);
    std::vector<std::string> seen;
    LockfileView(doc).visit([&seen](const ContentRef& ref) {
        if (ref.kind != ContentKind::file) return;
        seen.push_back(std::string(ref.path().value_or("?")) + "|" +
                       std::string(ref.inline_content().value_or("-")));
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"x.txt|-", "y.txt|AA"}));
}

TEST(LockfileView, MalformedLockfilesHaveNoReferences) {
    for (const char* json :
         {R"([])", R"("text")", R"({})", R"({"components": {}, "triggers": {}})",
          R"({"components": [1, null, []], "triggers": [1, {"dependencies": []}]})",
          R"({"components": [{"dependencies": {"d": 1}, "trigger_dependencies": {"g": {}}}]})"}) {
        rapidjson::Document doc = parse(json);
        EXPECT_TRUE(collect(doc, &LockfileView::visit).empty()) << json;
    }
}

TEST(LockfileView, NonObjectSourcesAndFilesAreStillVisited) {
    // What a reference holds is for the caller to judge (the schema reports a string source).
    rapidjson::Document doc = parse(R"({"components": [{"source": "x", "files": [7]}]})");
    std::vector<Seen> seen = collect(doc, &LockfileView::visit);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].pointer, "/components/0/source");
    EXPECT_EQ(seen[1].pointer, "/components/0/files/0");
}

}  // namespace
}  // namespace ociwasm
