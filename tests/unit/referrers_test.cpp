// The referrer rules (referrers.h): what makes a document a referrer, its artifactType as the
// referrers API reports it, and the referrer index by subject.
#include "referrers.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

namespace ociwasm::detail {
namespace {

rapidjson::Document parse(const char* text) {
    rapidjson::Document doc;
    doc.Parse(text);
    EXPECT_FALSE(doc.HasParseError()) << text;
    return doc;
}

Referrer referrer(std::string digest, std::string subject) {
    Referrer r;
    r.digest = std::move(digest);
    r.subject = std::move(subject);
    return r;
}

TEST(ReferrerOf, AManifestWithASubjectIsAReferrer) {
    auto doc = parse(R"({"artifactType":"application/vnd.cncf.notary.signature",
        "config":{"mediaType":"application/vnd.oci.empty.v1+json"},
        "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1},
        "annotations":{"org.opencontainers.image.created":"2024-01-02T00:00:00Z","n":1}})");
    auto found = referrer_of(doc);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->subject, "sha256:aa");
    EXPECT_EQ(found->artifact_type, "application/vnd.cncf.notary.signature");
    // Only string annotations are kept.
    EXPECT_EQ(found->annotations.size(), 1u);
    EXPECT_EQ(found->annotations.at("org.opencontainers.image.created"), "2024-01-02T00:00:00Z");
}

TEST(ReferrerOf, NoSubjectOrNoDigestIsNoReferrer) {
    EXPECT_FALSE(referrer_of(parse(R"({"config":{}})")).has_value());
    EXPECT_FALSE(referrer_of(parse(R"({"subject":{"mediaType":"a/b"}})")).has_value());
    EXPECT_FALSE(referrer_of(parse(R"({"subject":{"digest":5}})")).has_value());
    EXPECT_FALSE(referrer_of(parse(R"([1])")).has_value());
}

TEST(ReferrerOf, NamedByTakesTheDescriptorAndLocation) {
    auto doc = parse(R"({"subject":{"digest":"sha256:aa"}})");
    auto descriptor = parse(
        R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":792})");
    auto found = referrer_of(doc);
    ASSERT_TRUE(found.has_value());
    named_by(*found, descriptor, "index.json#/manifests/1");
    EXPECT_EQ(found->digest, "sha256:bb");
    EXPECT_EQ(found->media_type, "application/vnd.oci.image.manifest.v1+json");
    EXPECT_EQ(found->size, 792u);
    EXPECT_EQ(found->location, "index.json#/manifests/1");
}

// distribution-spec, "Listing Referrers": artifactType, else config.mediaType; an index without
// artifactType has none.
TEST(ReferrerArtifactType, FallsBackToTheConfigMediaType) {
    EXPECT_EQ(
        referrer_artifact_type(parse(R"({"artifactType":"a/x","config":{"mediaType":"a/y"}})")),
        "a/x");
    EXPECT_EQ(referrer_artifact_type(
                  parse(R"({"config":{"mediaType":"application/vnd.cncf.notary.signature"}})")),
              "application/vnd.cncf.notary.signature");
    EXPECT_EQ(referrer_artifact_type(parse(R"({"artifactType":"","config":{"mediaType":"a/y"}})")),
              "a/y");
    EXPECT_EQ(referrer_artifact_type(parse(R"({"manifests":[]})")), "");
}

TEST(ReferrerIndex, BySubjectInOrderAndOncePerDigest) {
    ReferrerIndex index;
    index.add(referrer("sha256:s1", "sha256:app"));
    index.add(referrer("sha256:other", "sha256:elsewhere"));
    index.add(referrer("sha256:s2", "sha256:app"));
    index.add(referrer("sha256:s1", "sha256:app"));  // reached again
    index.add(referrer("", "sha256:app"));           // no digest: not a referrer of anything
    auto of_app = index.of("sha256:app");
    ASSERT_EQ(of_app.size(), 2u);
    EXPECT_EQ(of_app[0]->digest, "sha256:s1");
    EXPECT_EQ(of_app[1]->digest, "sha256:s2");
    EXPECT_TRUE(index.of("sha256:none").empty());
    EXPECT_EQ(index.all().size(), 3u);
}

TEST(ReferrerIndex, WithReferrersFollowsChains) {
    ReferrerIndex index;
    index.add(referrer("sha256:sig", "sha256:app"));
    index.add(referrer("sha256:sig-of-sig", "sha256:sig"));
    index.add(referrer("sha256:sbom", "sha256:other"));
    // A cycle (two documents naming each other) ends.
    index.add(referrer("sha256:a", "sha256:b"));
    index.add(referrer("sha256:b", "sha256:a"));
    EXPECT_EQ(index.with_referrers({"sha256:sig"}),
              (std::set<std::string>{"sha256:sig", "sha256:sig-of-sig"}));
    EXPECT_EQ(index.with_referrers({"sha256:a"}), (std::set<std::string>{"sha256:a", "sha256:b"}));
    EXPECT_EQ(index.with_referrers({}), std::set<std::string>{});
}

}  // namespace
}  // namespace ociwasm::detail
