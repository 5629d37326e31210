// Bare documents (validate_document) and the grammars behind the OCI rules: image-spec-shaped
// examples pass; one-field mutations that break a spec rule fail with the rule's code.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include <rapidjson/document.h>

#include "layout_builder.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"
#include "validate_internal.h"

namespace ociwasm {
namespace {

using testing::count_code;
using testing::describe;
using testing::find_code;
using testing::has_finding;

// Shaped after the examples in image-spec v1.1 (manifest.md, image-index.md, config.md,
// descriptor.md, image-layout.md).
constexpr const char* kManifest = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
    "size": 7023
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
      "size": 32654
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b",
      "size": 16724
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "size": 7682
  },
  "annotations": {
    "com.example.key1": "value1",
    "org.opencontainers.image.created": "2023-01-02T03:04:05.123+01:00"
  }
})";

constexpr const char* kIndex = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "size": 7143,
      "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
      "platform": { "architecture": "ppc64le", "os": "linux" }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "size": 7682,
      "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
      "platform": { "architecture": "amd64", "os": "linux" },
      "annotations": { "org.opencontainers.image.ref.name": "example.com/app:v1.0--rc.1" }
    }
  ],
  "annotations": { "com.example.key1": "value1" }
})";

constexpr const char* kConfig = R"({
  "created": "2015-10-31T22:22:56.015925234Z",
  "author": "Alyssa P. Hacker <alyspdev@example.com>",
  "architecture": "amd64",
  "os": "linux",
  "config": {
    "User": "alice",
    "ExposedPorts": { "8080/tcp": {} },
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=oci_is_a",
            "EMPTY="],
    "Entrypoint": ["/bin/my-app-binary"],
    "Cmd": ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
    "Volumes": { "/var/job-result-data": {}, "/var/log/my-app-logs": {} },
    "WorkingDir": "/home/alice",
    "Labels": { "com.example.project.git.url": "https://example.com/project.git" }
  },
  "rootfs": {
    "diff_ids": [
      "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1",
      "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
    ],
    "type": "layers"
  },
  "history": [
    { "created": "2015-10-31T22:22:54.690851953Z", "created_by": "/bin/sh -c #(nop) ADD file" }
  ]
})";

constexpr const char* kDescriptor = R"({
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "size": 7682,
  "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
  "urls": ["https://example.com/example-manifest"]
})";

constexpr const char* kLockfile = R"({
  "spin_lock_version": 0,
  "triggers": [{"id": "t", "trigger_type": "http",
                "trigger_config": {"component": "web", "route": "/..."}}],
  "components": [{
    "id": "web",
    "source": {"content_type": "application/wasm",
               "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"},
    "files": [{"path": "hello.txt", "inline": "aGVsbG8",
               "digest": "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}]
  }]
})";

ValidationResult check(DocumentKind kind, std::string_view bytes,
                       std::string_view name = "doc.json") {
    ValidationResult result;
    validate_document(kind, bytes, name, result);
    return result;
}

// `base` with the value at `pointer` replaced by `value_json`, or removed when it is null.
std::string mutate(const char* base, const char* pointer, const char* value_json) {
    rapidjson::Document doc = testing::json(base);
    if (value_json == nullptr) {
        testing::erase(doc, pointer);
    } else {
        testing::set(doc, pointer, value_json);
    }
    return write_canonical(doc);
}

TEST(ValidateDocument, SpecExamplesPass) {
    struct Case {
        DocumentKind kind;
        const char* text;
    };
    for (const Case& c :
         {Case{DocumentKind::manifest, kManifest}, Case{DocumentKind::index, kIndex},
          Case{DocumentKind::config, kConfig}, Case{DocumentKind::descriptor, kDescriptor},
          Case{DocumentKind::layout, R"({"imageLayoutVersion":"1.0.0"})"},
          Case{DocumentKind::lockfile, kLockfile}}) {
        ValidationResult result = check(c.kind, c.text);
        EXPECT_TRUE(result.findings.empty()) << c.text << "\n" << describe(result.findings);
    }
}

TEST(ValidateDocument, IndexJsonRefNamesPass) {
    ValidationResult result = check(DocumentKind::index, kIndex, "layout/index.json");
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
}

TEST(ValidateDocument, ManifestEntryAndFormat) {
    ValidationResult result = check(DocumentKind::manifest, kManifest, "m.json");
    ASSERT_EQ(result.manifests.size(), 1u);
    EXPECT_EQ(result.manifests.all()[0].digest, sha256_digest(kManifest));
    EXPECT_EQ(result.manifests.all()[0].file, "m.json");
    EXPECT_EQ(result.manifests.all()[0].format, ManifestFormat::oci_image);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::oci_image});
}

TEST(ValidateDocument, InvalidJsonNamesTheOffset) {
    ValidationResult result = check(DocumentKind::manifest, R"({"schemaVersion":2,})", "m.json");
    std::optional<Finding> finding = find_code(result.findings, "JSON-INVALID");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->severity, Severity::error);
    EXPECT_EQ(finding->file, "m.json");
    EXPECT_NE(finding->message.find("line 1, column 20 (byte 19)"), std::string::npos)
        << finding->message;

    result = check(DocumentKind::config, "{\"os\":\"linux\",\"os\":\"linux\"}");
    finding = find_code(result.findings, "JSON-INVALID");
    ASSERT_NE(finding, std::nullopt);
    EXPECT_NE(finding->message.find("duplicate"), std::string::npos) << finding->message;

    result = check(DocumentKind::index, "{\"a\":\"\xff\"}");
    EXPECT_TRUE(result.findings.contains("JSON-INVALID"));
}

struct Mutation {
    DocumentKind kind;
    const char* base;
    const char* pointer;
    const char* value;  // nullptr removes the member
    const char* code;
    Severity severity;
    const char* finding_pointer;
};

// Printed by name so gtest does not dump the struct's padding bytes.
void PrintTo(const Mutation& m, std::ostream* os) {
    *os << m.code << " at " << m.pointer;
}

class OneFieldMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(OneFieldMutation, FailsWithTheRulesCode) {
    const Mutation& m = GetParam();
    std::string text = mutate(m.base, m.pointer, m.value);
    ValidationResult result = check(m.kind, text, "doc.json");
    EXPECT_TRUE(has_finding(result.findings, m.code, m.severity, "doc.json", m.finding_pointer))
        << text;
}

constexpr const char* kEmptyDigest =
    R"("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")";

INSTANTIATE_TEST_SUITE_P(
    SpecRules, OneFieldMutation,
    ::testing::Values(
        Mutation{DocumentKind::manifest, kManifest, "/mediaType",
                 R"("application/vnd.oci.image.index.v1+json")", "OCI-MEDIATYPE-INVALID",
                 Severity::error, "/mediaType"},
        Mutation{DocumentKind::manifest, kManifest, "/manifests", "[]",
                 "OCI-MANIFEST-HAS-MANIFESTS", Severity::error, "/manifests"},
        Mutation{DocumentKind::manifest, kManifest, "/config/mediaType",
                 R"("application/vnd.oci.empty.v1+json")", "OCI-ARTIFACTTYPE-REQUIRED",
                 Severity::error, "/config/mediaType"},
        Mutation{DocumentKind::manifest, kManifest, "/config/mediaType",
                 R"("application/vnd.oci.empty.v1+json")", "OCI-EMPTY-DESCRIPTOR", Severity::error,
                 "/config/digest"},
        Mutation{DocumentKind::manifest, kManifest, "/layers", "[]", "OCI-LAYERS-EMPTY",
                 Severity::warning, "/layers"},
        Mutation{DocumentKind::manifest, kManifest, "/schemaVersion", "1", "OCI-SCHEMA",
                 Severity::error, "/schemaVersion"},
        Mutation{DocumentKind::manifest, kManifest, "/config/size", "-1", "OCI-SCHEMA",
                 Severity::error, "/config/size"},
        Mutation{DocumentKind::manifest, kManifest, "/layers/1/digest",
                 R"("sha256:3C3A4604A545CDC127456D94E421CD355BCA5B528F4A9C1905B15DA2EB4A4C6B")",
                 "OCI-DIGEST-INVALID", Severity::error, "/layers/1/digest"},
        Mutation{DocumentKind::manifest, kManifest, "/layers/0/digest", R"("sha256:1234")",
                 "OCI-DIGEST-INVALID", Severity::error, "/layers/0/digest"},
        Mutation{DocumentKind::manifest, kManifest, "/layers/0/urls", R"(["://no-scheme"])",
                 "OCI-URL-INVALID", Severity::error, "/layers/0/urls/0"},
        Mutation{DocumentKind::manifest, kManifest, "/annotations/org.opencontainers.image.created",
                 R"("2023-02-30T00:00:00Z")", "OCI-ANNOTATION-CREATED", Severity::warning,
                 "/annotations/org.opencontainers.image.created"},
        Mutation{DocumentKind::manifest, kManifest, "/config/data", R"("e30")", "OCI-DATA-INVALID",
                 Severity::error, "/config/data"},
        Mutation{DocumentKind::manifest, kManifest, "/config/data", R"("e30=")",
                 "OCI-DATA-MISMATCH", Severity::error, "/config/data"},
        Mutation{DocumentKind::index, kIndex, "/mediaType",
                 R"("application/vnd.oci.image.manifest.v1+json")", "OCI-MEDIATYPE-INVALID",
                 Severity::error, "/mediaType"},
        Mutation{DocumentKind::index, kIndex, "/layers", "[]", "OCI-INDEX-HAS-LAYERS",
                 Severity::error, "/layers"},
        Mutation{DocumentKind::index, kIndex, "/config", "{}", "OCI-INDEX-HAS-LAYERS",
                 Severity::error, "/config"},
        Mutation{DocumentKind::index, kIndex, "/manifests", nullptr, "OCI-SCHEMA", Severity::error,
                 ""},
        Mutation{DocumentKind::index, kIndex, "/manifests/0/size", R"("7143")", "OCI-SCHEMA",
                 Severity::error, "/manifests/0/size"},
        Mutation{DocumentKind::config, kConfig, "/config/Env/1", R"("FOO")", "OCI-CONFIG-ENV",
                 Severity::error, "/config/Env/1"},
        Mutation{DocumentKind::config, kConfig, "/config/Env/1", R"("=value")", "OCI-CONFIG-ENV",
                 Severity::error, "/config/Env/1"},
        Mutation{DocumentKind::config, kConfig, "/rootfs/type", R"("tarball")", "OCI-SCHEMA",
                 Severity::error, "/rootfs/type"},
        Mutation{DocumentKind::descriptor, kDescriptor, "/urls/0", R"("http://[::1")",
                 "OCI-URL-INVALID", Severity::error, "/urls/0"},
        Mutation{DocumentKind::descriptor, kDescriptor, "/mediaType",
                 R"("application/vnd.oci.empty.v1+json")", "OCI-EMPTY-DESCRIPTOR", Severity::error,
                 "/size"},
        Mutation{DocumentKind::descriptor, kDescriptor, "/size", nullptr, "OCI-SCHEMA",
                 Severity::error, ""},
        Mutation{DocumentKind::layout, R"({"imageLayoutVersion":"1.0.0"})", "/imageLayoutVersion",
                 R"("1.1.0")", "LAYOUT-BAD-OCI-LAYOUT", Severity::error, "/imageLayoutVersion"},
        Mutation{DocumentKind::layout, R"({"imageLayoutVersion":"1.0.0"})", "/imageLayoutVersion",
                 nullptr, "LAYOUT-BAD-OCI-LAYOUT", Severity::error, ""},
        Mutation{DocumentKind::lockfile, kLockfile, "/triggers/0/trigger_config/component",
                 R"("nobody")", "SPIN-TRIGGER-COMPONENT-MISSING", Severity::error,
                 "/triggers/0/trigger_config/component"},
        Mutation{DocumentKind::lockfile, kLockfile, "/components/0/files/0/path",
                 R"("../../etc/passwd")", "SPIN-FILE-PATH-UNSAFE", Severity::error,
                 "/components/0/files/0/path"},
        Mutation{DocumentKind::lockfile, kLockfile, "/components/0/files/0/inline", R"("aGVsbG9v")",
                 "SPIN-INLINE-DIGEST-MISMATCH", Severity::error, "/components/0/files/0/inline"},
        Mutation{DocumentKind::lockfile, kLockfile, "/components/0/files/0/inline", R"("aGVsbG8=")",
                 "SPIN-LOCKFILE-SCHEMA", Severity::error, "/components/0/files/0/inline"},
        Mutation{DocumentKind::lockfile, kLockfile, "/spin_lock_version", "2",
                 "SPIN-LOCKFILE-SCHEMA", Severity::error, "/spin_lock_version"}));

// distribution's docs/spec/manifest-v2-2.md examples (fixtures/upstream/docker).
constexpr const char* kDockerManifest = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
        "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 32654,
            "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"
        }
    ]
})";

constexpr const char* kDockerList = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
  "manifests": [
    {
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "size": 7682,
      "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
      "platform": { "architecture": "amd64", "os": "linux", "features": [ "sse4" ] }
    }
  ]
})";

// A bare document whose mediaType is Docker's is checked by Docker's rules, and says so.
TEST(ValidateDocument, DockerDocumentsFollowDockersRules) {
    for (auto [kind, text] : {std::pair{DocumentKind::manifest, kDockerManifest},
                              std::pair{DocumentKind::index, kDockerList}}) {
        ValidationResult result = check(kind, text);
        EXPECT_TRUE(result.valid()) << describe(result.findings);
        ASSERT_EQ(result.findings.size(), 1u) << describe(result.findings);
        EXPECT_TRUE(has_finding(result.findings, "OCI-DOCKER-FORMAT", Severity::info, "doc.json",
                                "/mediaType"));
    }
    EXPECT_NE(
        check(DocumentKind::index, kDockerList).findings.all()[0].message.find("manifest list"),
        std::string::npos);

    struct Case {
        DocumentKind kind;
        const char* base;
        const char* pointer;
        const char* value;  // nullptr: removed
        const char* code;
        const char* finding_pointer;
    };
    const Case cases[] = {
        {DocumentKind::manifest, kDockerManifest, "/schemaVersion", "1", "OCI-DOCKER-SCHEMA",
         "/schemaVersion"},
        {DocumentKind::manifest, kDockerManifest, "/config/size", nullptr, "OCI-DOCKER-SCHEMA",
         "/config"},
        {DocumentKind::manifest, kDockerManifest, "/layers", nullptr, "OCI-DOCKER-SCHEMA", ""},
        {DocumentKind::manifest, kDockerManifest, "/layers/0/digest", R"("sha256:AB")",
         "OCI-DIGEST-INVALID", "/layers/0/digest"},
        {DocumentKind::index, kDockerList, "/manifests/0/platform", nullptr, "OCI-DOCKER-SCHEMA",
         "/manifests/0"},
        {DocumentKind::index, kDockerList, "/manifests/0/platform/os", nullptr, "OCI-DOCKER-SCHEMA",
         "/manifests/0/platform"},
        {DocumentKind::index, kDockerList, "/layers", "[]", "OCI-INDEX-HAS-LAYERS", "/layers"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.pointer) + " = " + (c.value ? c.value : "(removed)"));
        ValidationResult result = check(c.kind, mutate(c.base, c.pointer, c.value));
        EXPECT_TRUE(
            has_finding(result.findings, c.code, Severity::error, "doc.json", c.finding_pointer))
            << describe(result.findings);
        EXPECT_EQ(count_code(result.findings, "OCI-SCHEMA"), 0u) << describe(result.findings);
        EXPECT_TRUE(result.findings.contains("OCI-DOCKER-FORMAT"));
    }
    // The OCI-only rules do not apply: Docker has no artifactType, so an empty config is fine.
    std::string empty_config =
        mutate(kDockerManifest, "/config/mediaType", R"("application/vnd.oci.empty.v1+json")");
    empty_config = mutate(empty_config.c_str(), "/config/size", "2");
    empty_config = mutate(empty_config.c_str(), "/config/digest", kEmptyDigest);
    EXPECT_TRUE(check(DocumentKind::manifest, empty_config).valid());
    EXPECT_FALSE(check(DocumentKind::manifest, mutate(kManifest, "/config/mediaType",
                                                      R"("application/vnd.oci.empty.v1+json")"))
                     .valid());
}

TEST(ValidateDocument, EmptyConfigWithArtifactTypeIsFine) {
    rapidjson::Document doc = testing::json(kManifest);
    testing::set(doc, "/config/mediaType", testing::quote(media::kOciEmpty));
    testing::set(doc, "/config/digest", kEmptyDigest);
    testing::set(doc, "/config/size", "2");
    testing::set(doc, "/config/data", R"("e30=")");
    testing::set(doc, "/artifactType", R"("application/vnd.example.sbom+json")");
    ValidationResult result = check(DocumentKind::manifest, write_canonical(doc));
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
}

TEST(ValidateDocument, UnknownMediaTypesAndFieldsAreNotErrors) {
    rapidjson::Document doc = testing::json(kManifest);
    testing::set(doc, "/config/mediaType", R"("application/vnd.example.unknown+json")");
    testing::set(doc, "/layers/0/mediaType", R"("application/vnd.example.layer")");
    testing::set(doc, "/x-extension", R"({"anything":[1,2,3]})");
    ValidationResult result = check(DocumentKind::manifest, write_canonical(doc));
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
}

TEST(ValidateDocument, RefNameCountsOnlyInIndexJson) {
    std::string text =
        mutate(kIndex, "/manifests/1/annotations/org.opencontainers.image.ref.name", R"("-bad")");
    EXPECT_EQ(
        count_code(check(DocumentKind::index, text, "other.json").findings, "OCI-REF-NAME-INVALID"),
        0u);
    EXPECT_TRUE(has_finding(check(DocumentKind::index, text, "index.json").findings,
                            "OCI-REF-NAME-INVALID", Severity::error, "index.json",
                            "/manifests/1/annotations/org.opencontainers.image.ref.name"));
}

// Go readers (encoding/json) match member names case-insensitively: a member equal to a spec
// member up to case means something else to them, so it is an error wherever the spec defines
// the object: top level, descriptors, platforms, the image config's inner objects.
TEST(ValidateDocument, MemberEqualToASpecMemberUpToCaseIsAnError) {
    struct Case {
        DocumentKind kind;
        const char* base;
        const char* pointer;
        const char* value;
    };
    const char* kOther =
        R"("sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270")";
    for (const Case& c : {
             Case{DocumentKind::index, kIndex, "/manifests/0/Digest", kOther},
             Case{DocumentKind::index, kIndex, "/MANIFESTS", "[]"},
             Case{DocumentKind::index, kIndex, "/manifests/1/platform/OS", R"("windows")"},
             Case{DocumentKind::manifest, kManifest, "/config/mediatype", R"("a/b")"},
             Case{DocumentKind::manifest, kManifest, "/layers/1/Size", "1"},
             Case{DocumentKind::manifest, kManifest, "/Subject", "{}"},
             Case{DocumentKind::manifest, kManifest, "/schemaversion", "2"},
             Case{DocumentKind::config, kConfig, "/config/env", "[]"},
             Case{DocumentKind::config, kConfig, "/rootfs/Diff_IDs", "[]"},
             Case{DocumentKind::config, kConfig, "/history/0/Created_By", R"("x")"},
             Case{DocumentKind::config, kConfig, "/Architecture", R"("arm64")"},
         }) {
        ValidationResult result = check(c.kind, mutate(c.base, c.pointer, c.value), "d.json");
        EXPECT_TRUE(
            has_finding(result.findings, "OCI-MEMBER-CASE", Severity::error, "d.json", c.pointer))
            << c.pointer << "\n"
            << describe(result.findings);
    }
    ValidationResult layout =
        check(DocumentKind::layout, R"({"imageLayoutVersion":"1.0.0","ImageLayoutVersion":"9"})");
    EXPECT_TRUE(has_finding(layout.findings, "OCI-MEMBER-CASE", Severity::error, "doc.json",
                            "/ImageLayoutVersion"))
        << describe(layout.findings);
}

TEST(ValidateDocument, MemberCaseFoldsAsGoDoes) {
    // KELVIN SIGN and LONG S fold to k and s in Go's comparison: "ſize" is "size" to Go.
    std::string text = mutate(kManifest, "/layers/0/\xC5\xBFize", "1");
    EXPECT_TRUE(has_finding(check(DocumentKind::manifest, text, "m.json").findings,
                            "OCI-MEMBER-CASE", Severity::error, "m.json", "/layers/0/\xC5\xBFize"));
    // Names that only look alike, unknown members, and annotation keys are not spec members.
    std::string other = mutate(kManifest, "/layers/0/digests", R"("x")");
    other = mutate(other.c_str(), "/annotations/Digest", R"("x")");
    other = mutate(other.c_str(), "/config/x-Size", "1");
    EXPECT_EQ(count_code(check(DocumentKind::manifest, other).findings, "OCI-MEMBER-CASE"), 0u)
        << describe(check(DocumentKind::manifest, other).findings);
}

TEST(ValidateDocument, LockfileUnparsable) {
    ValidationResult result = check(DocumentKind::lockfile, "{\"triggers\":[", "spin.lock");
    std::optional<Finding> finding = find_code(result.findings, "SPIN-LOCKFILE-INVALID");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->file, "spin.lock");
    EXPECT_NE(finding->message.find("byte"), std::string::npos);
}

// A file Spin's local loader wrote (a file:// directory, no digest or inline content) is mounted
// at its guest path as it is: "/" is what `spin up` writes. Files with a digest or inline content
// are what Spin's OCI loader joins below a directory: plain names only.
TEST(ValidateDocument, LockfileFilePathsAsSpinReadsThem) {
    struct Case {
        std::string file_json;
        bool unsafe;
    };
    const std::string digest =
        R"("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")";
    const Case cases[] = {
        {R"({"source":"file:///tmp/spin/assets/web","path":"/"})", false},
        {R"({"source":"file:///srv/static","path":"/static"})", false},  // --direct-mounts
        {R"({"source":"file:///srv/static","path":"static"})", false},
        {R"({"source":"file:///srv/x","digest":null,"inline":null,"path":"/"})", false},
        // With a digest the entry is the registry's, whatever its source says.
        {R"({"source":"file:///srv/x","path":"/","digest":)" + digest + "}", true},
        {R"({"path":"./hello.txt","digest":)" + digest + "}", true},
        {R"({"path":".","inline":"aGVsbG8"})", true},
        {R"({"path":".\\x","inline":"aGVsbG8"})", true},
        {R"({"path":"/etc/passwd","inline":"aGVsbG8"})", true},
        {R"({"path":"a/../b","inline":"aGVsbG8"})", true},
        {R"({"path":"/x","source":"https://example.com/x"})", true},
        // Rust drops "." inside a path: these are plain names to Spin.
        {R"({"path":"a/./b","inline":"aGVsbG8"})", false},
        {R"({"path":"a/.","inline":"aGVsbG8"})", false},
        {R"({"path":".well-known/x","inline":"aGVsbG8"})", false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.file_json);
        rapidjson::Document doc = testing::json(kLockfile);
        testing::set(doc, "/components/0/files/0", c.file_json);
        ValidationResult result = check(DocumentKind::lockfile, write_canonical(doc));
        EXPECT_EQ(has_finding(result.findings, "SPIN-FILE-PATH-UNSAFE", Severity::error, "doc.json",
                              "/components/0/files/0/path"),
                  c.unsafe)
            << describe(result.findings);
        EXPECT_EQ(result.findings.size(), c.unsafe ? 1u : 0u) << describe(result.findings);
    }
}

// Members Spin's LockedApp has as Option<...> read null as absent; the others refuse it.
TEST(ValidateDocument, LockfileNullWhereSpinReadsOption) {
    struct Case {
        const char* pointer;
        bool accepted;
    };
    const Case cases[] = {
        {"/components/0/source/source", true},
        {"/components/0/source/digest", true},
        {"/components/0/source/inline", true},
        {"/components/0/files/0/source", true},
        {"/components/0/files/0/digest", true},
        {"/components/0/files/0/inline", true},
        {"/variables/v/description", true},
        {"/variables/v/default", true},
        {"/variables/v/secret", false},
        {"/components/0/env", false},
        {"/components/0/metadata", false},
        {"/components/0/files/0/path", false},
        {"/components/0/source/content_type", false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.pointer);
        rapidjson::Document doc = testing::json(kLockfile);
        testing::set(doc, "/variables", R"({"v":{"default":"x","secret":false}})");
        testing::set(doc, c.pointer, "null");
        ValidationResult result = check(DocumentKind::lockfile, write_canonical(doc));
        EXPECT_EQ(result.findings.empty(), c.accepted) << describe(result.findings);
        if (!c.accepted) {
            EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-SCHEMA", Severity::error,
                                    "doc.json", c.pointer))
                << describe(result.findings);
        }
    }
}

TEST(ValidateDocument, LayoutNotJson) {
    ValidationResult result = check(DocumentKind::layout, "imageLayoutVersion=1.0.0", "oci-layout");
    EXPECT_TRUE(
        has_finding(result.findings, "LAYOUT-BAD-OCI-LAYOUT", Severity::error, "oci-layout", ""));
}

TEST(OciGrammars, Base64) {
    std::string out;
    EXPECT_TRUE(detail::decode_base64("aGVsbG8=", true, out));
    EXPECT_EQ(out, "hello");
    EXPECT_TRUE(detail::decode_base64("", true, out));
    EXPECT_EQ(out, "");
    EXPECT_TRUE(detail::decode_base64("e30=", true, out));
    EXPECT_EQ(out, "{}");
    EXPECT_FALSE(detail::decode_base64("aGVsbG8", true, out));    // padding required
    EXPECT_FALSE(detail::decode_base64("aGVsbG9=", true, out));   // non-zero trailing bits
    EXPECT_FALSE(detail::decode_base64("aGVs=bG8", true, out));   // '=' inside
    EXPECT_FALSE(detail::decode_base64("aGVsbG8==", true, out));  // too much padding
    EXPECT_FALSE(detail::decode_base64("aGV-bG8=", true, out));   // URL alphabet
    EXPECT_TRUE(detail::decode_base64("aGVsbG8", false, out));
    EXPECT_EQ(out, "hello");
    EXPECT_FALSE(detail::decode_base64("aGVsbG8=", false, out));  // padding forbidden
    EXPECT_FALSE(detail::decode_base64("a", false, out));
}

TEST(OciGrammars, Uris) {
    for (const char* good :
         {"https://example.com/x", "http://[::1]:8080/a?b=c#d", "urn:isbn:0451450523",
          "file:///tmp/a%20b", "https://u:p@h:1/", "http://[v1.fe80::a+en1]/"}) {
        EXPECT_TRUE(detail::is_uri_reference_absolute(good)) << good;
    }
    for (const char* bad : {"", "example.com/x", "://x", "1http://x", "http://x y", "http://[::1/",
                            "http://h:port/", "http://x/%zz", "https://x/#a#b"}) {
        EXPECT_FALSE(detail::is_uri_reference_absolute(bad)) << bad;
    }
}

TEST(OciGrammars, Rfc3339) {
    for (const char* good : {"2024-02-29T23:59:60Z", "1985-04-12T23:20:50.52Z",
                             "1996-12-19T16:39:57-08:00", "2024-01-01t00:00:00z"}) {
        EXPECT_TRUE(detail::is_rfc3339_date_time(good)) << good;
    }
    for (const char* bad : {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01",
                            "2024-01-01 00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00",
                            "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100"}) {
        EXPECT_FALSE(detail::is_rfc3339_date_time(bad)) << bad;
    }
}

TEST(OciGrammars, RefNames) {
    for (const char* good : {"latest", "v1.0", "example.com/app:v1", "a--b", "a@b+c", "1"}) {
        EXPECT_TRUE(detail::is_valid_ref_name(good)) << good;
    }
    for (const char* bad : {"", "-a", "a-", "a---b", "a//b", "/a", "a/", "a b", "a..b", "ä"}) {
        EXPECT_FALSE(detail::is_valid_ref_name(bad)) << bad;
    }
}

}  // namespace
}  // namespace ociwasm
