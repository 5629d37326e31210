#include "ociwasm/schema.h"

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ociwasm/json.h"
#include "schema_data.h"

namespace ociwasm {
namespace {

// Shaped like the examples in the image-spec (manifest.md, image-index.md, config.md,
// descriptor.md, image-layout.md) and like what Spin writes.
constexpr char kImageManifest[] = R"({
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
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736",
      "size": 73109
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "size": 7682
  },
  "annotations": {
    "com.example.key1": "value1",
    "com.example.key2": "value2"
  }
})";

constexpr char kArtifactManifest[] = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/vnd.example+type",
  "config": {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
    "data": "e30="
  },
  "layers": [
    {
      "mediaType": "application/vnd.example+type",
      "digest": "sha256:e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317",
      "size": 1234
    }
  ],
  "annotations": { "org.opencontainers.image.created": "2023-01-02T03:04:05Z" }
})";

// Spin's new format: no mediaType member, the lockfile as the last layer.
constexpr char kSpinManifest[] =
    R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0e1fdeb05bdd1fb1c8f2c6f2e4d2f5b0a2ac0bd1a7bde67c8bd5c7e7f5a9a0c1","size":201},"layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm","digest":"sha256:a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90","size":123456},{"mediaType":"application/vnd.fermyon.spin.application.v1+config","digest":"sha256:f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f","size":789}],"annotations":{"org.opencontainers.image.title":"hello","org.opencontainers.image.version":"0.1.0"}})";

constexpr char kIndex[] = R"({
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
      "platform": {
        "architecture": "amd64",
        "os": "linux",
        "os.version": "10.0.14393.1066",
        "os.features": ["win32k"],
        "variant": "v2"
      }
    },
    {
      "mediaType": "application/vnd.oci.image.index.v1+json",
      "size": 1024,
      "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "annotations": { "org.opencontainers.image.ref.name": "nested" }
    }
  ],
  "annotations": {
    "com.example.key1": "value1",
    "com.example.key2": "value2"
  }
})";

constexpr char kImageConfig[] = R"({
  "created": "2015-10-31T22:22:56.015925234Z",
  "author": "Alyssa P. Hacker <alyspdev@example.com>",
  "architecture": "amd64",
  "os": "linux",
  "config": {
    "User": "alice",
    "ExposedPorts": { "8080/tcp": {} },
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "FOO=oci_is_a",
      "BAR=well_written_spec"
    ],
    "Entrypoint": ["/bin/my-app-binary"],
    "Cmd": ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
    "Volumes": { "/var/job-result-data": {}, "/var/log/my-app-logs": {} },
    "WorkingDir": "/home/alice",
    "Labels": {
      "com.example.project.git.url": "https://example.com/project.git",
      "com.example.project.git.commit": "45a939b2999782a3f005621a8d0f29aa387e1d6b"
    },
    "StopSignal": "SIGTERM",
    "ArgsEscaped": false
  },
  "rootfs": {
    "diff_ids": [
      "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1",
      "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
    ],
    "type": "layers"
  },
  "history": [
    {
      "created": "2015-10-31T22:22:54.690851953Z",
      "created_by": "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /"
    },
    {
      "created": "2015-10-31T22:22:55.613815829Z",
      "created_by": "/bin/sh -c #(nop) CMD [\"sh\"]",
      "empty_layer": true
    }
  ]
})";

constexpr char kSpinConfig[] =
    R"({"architecture":"wasm","os":"wasip1","config":{"Labels":{"com.fermyon.spin.lockedAppDigest":"sha256:f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"}},"rootfs":{"type":"layers","diff_ids":[]}})";

// What Docker writes: nulls for empty lists and maps.
constexpr char kDockerConfig[] =
    R"({"architecture":"amd64","os":"linux","created":"2024-02-01T10:00:00+01:00","config":{"Env":["PATH=/bin"],"Cmd":null,"Entrypoint":null,"Volumes":null,"Labels":null,"OnBuild":null,"WorkingDir":""},"rootfs":{"type":"layers","diff_ids":["sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"]},"container":"abc","docker_version":"24.0.7"})";

constexpr char kDescriptor[] = R"({
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "size": 7682,
  "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
  "urls": ["https://example.com/example-manifest"],
  "data": "eyJzY2hlbWFWZXJzaW9uIjoyfQ==",
  "artifactType": "application/vnd.example.sbom.v1",
  "annotations": { "org.opencontainers.image.ref.name": "v1.0" },
  "platform": { "architecture": "wasm", "os": "wasip1" }
})";

constexpr char kLayout[] = R"({"imageLayoutVersion": "1.0.0"})";

// Spin 1.x (v0): lockfile as the config blob; files by digest or inline.
constexpr char kLockfileV0[] = R"({
  "spin_lock_version": 0,
  "metadata": {
    "name": "hello",
    "version": "0.1.0",
    "origin": "file:///app/spin.toml",
    "trigger": { "type": "http", "base": "/" }
  },
  "triggers": [
    {
      "id": "trigger--hello",
      "trigger_type": "http",
      "trigger_config": { "component": "hello", "route": "/..." }
    }
  ],
  "components": [
    {
      "id": "hello",
      "metadata": { "allowed_http_hosts": [] },
      "source": {
        "content_type": "application/wasm",
        "digest": "sha256:a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
      },
      "env": { "GREETING": "hi" },
      "files": [
        {
          "digest": "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
          "path": "static/hello.txt"
        },
        {
          "inline": "aGVsbG8",
          "digest": "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
          "path": "inline.txt"
        }
      ],
      "config": { "greeting": "{{ greeting }}" }
    }
  ],
  "variables": { "greeting": { "default": "hello" } }
})";

// Spin 3.x (v1): must_understand, host requirements, dependencies, unknown members.
constexpr char kLockfileV1[] = R"({
  "spin_lock_version": 1,
  "must_understand": ["host_requirements", "component_host_requirements"],
  "host_requirements": { "local_service_chaining": "required" },
  "variables": {
    "api_key": { "secret": true },
    "greeting": { "default": "hi", "description": "what to say" }
  },
  "triggers": [
    {
      "id": "trigger--api",
      "trigger_type": "http",
      "trigger_config": { "component": "api", "route": "/api/..." },
      "trigger_dependencies": {
        "middleware": [
          { "source": { "content_type": "application/wasm", "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111" } }
        ]
      }
    }
  ],
  "components": [
    {
      "id": "api",
      "source": {
        "content_type": "application/wasm",
        "source": "file:///app/target/api.wasm",
        "digest": "sha256:a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
      },
      "dependencies": {
        "foo:bar/baz": {
          "source": { "content_type": "application/wasm", "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222" },
          "export": null,
          "inherit": "All"
        }
      },
      "host_requirements": { "local_service_chaining": "required" },
      "files": []
    }
  ],
  "never_create_field_with_this_name": 123
})";

rapidjson::Document parse(std::string_view text) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_TRUE(parse_json(text, doc, &error)) << error.message << " in " << text;
    return doc;
}

// The document with one change: the value at `pointer` set to `json`, or removed (nullopt).
rapidjson::Document mutated(std::string_view text, const std::string& pointer,
                            std::optional<std::string> json) {
    rapidjson::Document doc = parse(text);
    const rapidjson::Pointer where(pointer.c_str());
    EXPECT_TRUE(where.IsValid()) << pointer;
    if (json) {
        rapidjson::Document value;
        JsonError error;
        EXPECT_TRUE(parse_json(*json, value, &error)) << *json;
        where.Set(doc, rapidjson::Value(value, doc.GetAllocator()));
    } else {
        EXPECT_TRUE(where.Erase(doc)) << "nothing to remove at " << pointer;
    }
    return doc;
}

std::string dump(const Findings& findings) {
    std::string out;
    for (const Finding& finding : findings.all()) {
        out += "  [" + finding.code + "] " + finding.pointer + " | " + finding.message + "\n";
    }
    return out;
}

struct ValidCase {
    const char* name;
    SchemaKind kind;
    const char* json;
};

class SchemaAcceptsTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(SchemaAcceptsTest, DocumentIsValid) {
    const ValidCase& c = GetParam();
    const rapidjson::Document doc = parse(c.json);
    Findings findings;
    EXPECT_TRUE(check_schema(c.kind, doc, "doc.json", findings)) << dump(findings);
    EXPECT_TRUE(findings.empty()) << dump(findings);
}

INSTANTIATE_TEST_SUITE_P(
    Schema, SchemaAcceptsTest,
    ::testing::Values(
        ValidCase{"image_manifest", SchemaKind::manifest, kImageManifest},
        ValidCase{"artifact_manifest", SchemaKind::manifest, kArtifactManifest},
        ValidCase{"spin_manifest_without_media_type", SchemaKind::manifest, kSpinManifest},
        ValidCase{
            "manifest_with_no_layers", SchemaKind::manifest,
            R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],"artifactType":"application/vnd.example"})"},
        ValidCase{"index_with_platforms_and_nested_index", SchemaKind::index, kIndex},
        ValidCase{"empty_index", SchemaKind::index, R"({"schemaVersion":2,"manifests":[]})"},
        ValidCase{"image_config", SchemaKind::config, kImageConfig},
        ValidCase{"spin_config", SchemaKind::config, kSpinConfig},
        ValidCase{"docker_config_with_nulls", SchemaKind::config, kDockerConfig},
        ValidCase{
            "minimal_config", SchemaKind::config,
            R"({"architecture":"wasm","os":"wasip1","rootfs":{"type":"layers","diff_ids":[]}})"},
        ValidCase{"descriptor_with_data_and_urls", SchemaKind::descriptor, kDescriptor},
        ValidCase{
            "descriptor_unregistered_algorithm", SchemaKind::descriptor,
            R"({"mediaType":"application/octet-stream","size":0,"digest":"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564","data":""})"},
        ValidCase{
            "descriptor_size_int64_max", SchemaKind::descriptor,
            R"({"mediaType":"application/octet-stream","size":9223372036854775807,"digest":"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"})"},
        ValidCase{"descriptor_unknown_members", SchemaKind::descriptor,
                  R"({"mediaType":"a/b","size":1,"digest":"sha512:00","x-custom":{"any":[1,2]}})"},
        ValidCase{"layout", SchemaKind::layout, kLayout},
        ValidCase{"lockfile_v0", SchemaKind::lockfile, kLockfileV0},
        ValidCase{"lockfile_v1", SchemaKind::lockfile, kLockfileV1},
        ValidCase{"lockfile_minimal", SchemaKind::lockfile,
                  R"({"spin_lock_version":0,"triggers":[],"components":[]})"}),
    [](const ::testing::TestParamInfo<ValidCase>& info) { return std::string(info.param.name); });

struct MutationCase {
    const char* name;
    SchemaKind kind;
    const char* base;
    const char* pointer;               // what to change
    std::optional<const char*> value;  // new JSON value; nullopt removes the member
    const char* expected_pointer;      // where the finding must point
    const char* expected_text;         // part of its message
};

class SchemaRejectsTest : public ::testing::TestWithParam<MutationCase> {};

TEST_P(SchemaRejectsTest, OneFindingAtThePointer) {
    const MutationCase& c = GetParam();
    const std::optional<std::string> value =
        c.value ? std::optional<std::string>(*c.value) : std::nullopt;
    const rapidjson::Document doc = mutated(c.base, c.pointer, value);
    Findings findings;
    EXPECT_FALSE(check_schema(c.kind, doc, "blobs/sha256/abc", findings));
    ASSERT_EQ(findings.size(), 1u) << dump(findings);
    const Finding finding = findings.all()[0];
    EXPECT_EQ(finding.severity, Severity::error);
    EXPECT_EQ(finding.code, c.kind == SchemaKind::lockfile ? "SPIN-LOCKFILE-SCHEMA" : "OCI-SCHEMA");
    EXPECT_EQ(finding.file, "blobs/sha256/abc");
    EXPECT_EQ(finding.pointer, c.expected_pointer);
    // The message names the file and the place, then says what was expected and found.
    std::string place = "blobs/sha256/abc: ";
    if (*c.expected_pointer != '\0') place += std::string(c.expected_pointer) + ": ";
    EXPECT_EQ(finding.message.rfind(place, 0), 0u) << finding.message;
    EXPECT_NE(finding.message.find(c.expected_text), std::string::npos) << finding.message;
    EXPECT_NE(finding.message.find("expected"), std::string::npos) << finding.message;
    EXPECT_NE(finding.message.find("found"), std::string::npos) << finding.message;
}

constexpr char kSizeRange[] = "expected an integer from 0 to 9223372036854775807";

INSTANTIATE_TEST_SUITE_P(
    Manifest, SchemaRejectsTest,
    ::testing::Values(
        MutationCase{"negative_size", SchemaKind::manifest, kImageManifest, "/config/size", "-1",
                     "/config/size", "found the number -1"},
        MutationCase{"negative_size_range", SchemaKind::manifest, kImageManifest, "/config/size",
                     "-1", "/config/size", kSizeRange},
        MutationCase{"string_size", SchemaKind::manifest, kImageManifest, "/config/size",
                     R"("7023")", "/config/size",
                     R"(expected an integer, found the string "7023")"},
        MutationCase{"fractional_size", SchemaKind::manifest, kImageManifest, "/layers/2/size",
                     "1.5", "/layers/2/size", "expected an integer, found the number 1.5"},
        MutationCase{"size_above_int64", SchemaKind::manifest, kImageManifest, "/config/size",
                     "9223372036854775808", "/config/size", "found the number 9223372036854775808"},
        MutationCase{"missing_digest", SchemaKind::manifest, kImageManifest, "/layers/1/digest",
                     std::nullopt, "/layers/1", R"(expected member "digest")"},
        MutationCase{"missing_media_type", SchemaKind::manifest, kImageManifest,
                     "/layers/0/mediaType", std::nullopt, "/layers/0", R"("mediaType")"},
        MutationCase{"digest_without_encoded", SchemaKind::manifest, kImageManifest,
                     "/layers/0/digest", R"("sha256:")", "/layers/0/digest",
                     R"(expected a digest (algorithm ":" encoded), found the string "sha256:")"},
        MutationCase{"digest_upper_case_algorithm", SchemaKind::manifest, kImageManifest,
                     "/config/digest", R"("SHA256:abcd")", "/config/digest", R"("SHA256:abcd")"},
        MutationCase{"digest_dangling_separator", SchemaKind::manifest, kImageManifest,
                     "/subject/digest", R"("sha256+:abcd")", "/subject/digest", "digest"},
        MutationCase{"schema_version_3", SchemaKind::manifest, kImageManifest, "/schemaVersion",
                     "3", "/schemaVersion", "expected 2, found the number 3"},
        MutationCase{"schema_version_string", SchemaKind::manifest, kImageManifest,
                     "/schemaVersion", R"("2")", "/schemaVersion", "expected an integer"},
        MutationCase{"layers_not_array", SchemaKind::manifest, kImageManifest, "/layers", "{}",
                     "/layers", "expected an array, found an object"},
        MutationCase{"layers_missing", SchemaKind::manifest, kImageManifest, "/layers",
                     std::nullopt, "", R"(expected member "layers")"},
        MutationCase{"config_missing", SchemaKind::manifest, kImageManifest, "/config",
                     std::nullopt, "", R"(expected member "config")"},
        MutationCase{"annotation_not_string", SchemaKind::manifest, kImageManifest,
                     "/annotations/foo", "1", "/annotations/foo",
                     "expected a string, found the number 1"},
        MutationCase{"annotation_key_escaped", SchemaKind::manifest, kImageManifest,
                     "/annotations/a~1b~0c", "true", "/annotations/a~1b~0c",
                     "found the boolean true"},
        MutationCase{"annotations_not_object", SchemaKind::manifest, kImageManifest, "/annotations",
                     R"(["a"])", "/annotations", "expected an object"},
        MutationCase{"media_type_shape", SchemaKind::manifest, kImageManifest, "/mediaType",
                     R"("not a media type")", "/mediaType", "expected an RFC 6838 media type"},
        MutationCase{"config_media_type_shape", SchemaKind::manifest, kImageManifest,
                     "/config/mediaType", R"("application")", "/config/mediaType",
                     R"(found the string "application")"},
        MutationCase{"artifact_type_shape", SchemaKind::manifest, kArtifactManifest,
                     "/artifactType", R"("bogus")", "/artifactType", "media type"},
        MutationCase{"data_without_padding", SchemaKind::manifest, kArtifactManifest,
                     "/config/data", R"("e30")", "/config/data", "base64"},
        MutationCase{"url_not_uri", SchemaKind::manifest, kImageManifest, "/layers/0/urls",
                     R"(["https://ok.example/a", "no scheme here"])", "/layers/0/urls/1",
                     "RFC 3986"},
        MutationCase{"subject_negative_size", SchemaKind::manifest, kImageManifest, "/subject/size",
                     "-5", "/subject/size", kSizeRange},
        MutationCase{"layer_platform_without_architecture", SchemaKind::manifest, kImageManifest,
                     "/layers/2/platform", R"({"os":"linux"})", "/layers/2/platform",
                     R"(expected member "architecture")"},
        MutationCase{"layer_not_object", SchemaKind::manifest, kSpinManifest, "/layers/1",
                     R"("sha256:abc")", "/layers/1", "expected an object, found the string"}),
    [](const ::testing::TestParamInfo<MutationCase>& info) {
        return std::string(info.param.name);
    });

INSTANTIATE_TEST_SUITE_P(
    Index, SchemaRejectsTest,
    ::testing::Values(MutationCase{"manifests_missing", SchemaKind::index, kIndex, "/manifests",
                                   std::nullopt, "", R"(expected member "manifests")"},
                      MutationCase{"architecture_not_string", SchemaKind::index, kIndex,
                                   "/manifests/0/platform/architecture", "5",
                                   "/manifests/0/platform/architecture", "expected a string"},
                      MutationCase{"os_missing", SchemaKind::index, kIndex,
                                   "/manifests/1/platform/os", std::nullopt,
                                   "/manifests/1/platform", R"(expected member "os")"},
                      MutationCase{"os_features_not_array", SchemaKind::index, kIndex,
                                   "/manifests/1/platform/os.features", R"("win32k")",
                                   "/manifests/1/platform/os.features", "expected an array"},
                      MutationCase{"nested_index_size", SchemaKind::index, kIndex,
                                   "/manifests/2/size", R"("1024")", "/manifests/2/size",
                                   "expected an integer"},
                      MutationCase{"schema_version_1", SchemaKind::index, kIndex, "/schemaVersion",
                                   "1", "/schemaVersion", "expected 2, found the number 1"}),
    [](const ::testing::TestParamInfo<MutationCase>& info) {
        return std::string(info.param.name);
    });

INSTANTIATE_TEST_SUITE_P(
    Config, SchemaRejectsTest,
    ::testing::Values(
        MutationCase{"rootfs_missing", SchemaKind::config, kImageConfig, "/rootfs", std::nullopt,
                     "", R"(expected member "rootfs")"},
        MutationCase{"architecture_missing", SchemaKind::config, kSpinConfig, "/architecture",
                     std::nullopt, "", R"(expected member "architecture")"},
        MutationCase{"rootfs_type", SchemaKind::config, kImageConfig, "/rootfs/type", R"("layer")",
                     "/rootfs/type", R"(expected "layers", found the string "layer")"},
        MutationCase{"diff_ids_missing", SchemaKind::config, kSpinConfig, "/rootfs/diff_ids",
                     std::nullopt, "/rootfs", R"(expected member "diff_ids")"},
        MutationCase{"diff_id_grammar", SchemaKind::config, kImageConfig, "/rootfs/diff_ids/1",
                     R"("c6f988f4")", "/rootfs/diff_ids/1", "digest"},
        MutationCase{"created_not_rfc3339", SchemaKind::config, kImageConfig, "/created",
                     R"("yesterday")", "/created", "RFC 3339"},
        MutationCase{"created_bad_month", SchemaKind::config, kImageConfig, "/created",
                     R"("2015-13-31T22:22:56Z")", "/created", "RFC 3339"},
        MutationCase{"env_not_array", SchemaKind::config, kImageConfig, "/config/Env", R"("A=b")",
                     "/config/Env", "expected an array or null"},
        MutationCase{"env_entry_not_string", SchemaKind::config, kImageConfig, "/config/Env/0", "5",
                     "/config/Env/0", "expected a string"},
        MutationCase{"label_not_string", SchemaKind::config, kSpinConfig,
                     "/config/Labels/com.fermyon.spin.lockedAppDigest", "null",
                     "/config/Labels/com.fermyon.spin.lockedAppDigest", "found null"},
        MutationCase{"exposed_port_not_object", SchemaKind::config, kImageConfig,
                     "/config/ExposedPorts/8080~1tcp", "true", "/config/ExposedPorts/8080~1tcp",
                     "expected an object"},
        MutationCase{"history_empty_layer", SchemaKind::config, kImageConfig,
                     "/history/1/empty_layer", R"("yes")", "/history/1/empty_layer",
                     "expected a boolean"}),
    [](const ::testing::TestParamInfo<MutationCase>& info) {
        return std::string(info.param.name);
    });

INSTANTIATE_TEST_SUITE_P(
    LayoutAndDescriptor, SchemaRejectsTest,
    ::testing::Values(MutationCase{"layout_version", SchemaKind::layout, kLayout,
                                   "/imageLayoutVersion", R"("2.0.0")", "/imageLayoutVersion",
                                   R"(expected "1.0.0")"},
                      MutationCase{"layout_version_missing", SchemaKind::layout, kLayout,
                                   "/imageLayoutVersion", std::nullopt, "", "imageLayoutVersion"},
                      MutationCase{"descriptor_size_missing", SchemaKind::descriptor, kDescriptor,
                                   "/size", std::nullopt, "", R"(expected member "size")"},
                      MutationCase{"descriptor_data_alphabet", SchemaKind::descriptor, kDescriptor,
                                   "/data", R"("not*base64==")", "/data", "base64"},
                      MutationCase{"descriptor_urls_not_array", SchemaKind::descriptor, kDescriptor,
                                   "/urls", R"("https://example.com")", "/urls",
                                   "expected an array"}),
    [](const ::testing::TestParamInfo<MutationCase>& info) {
        return std::string(info.param.name);
    });

INSTANTIATE_TEST_SUITE_P(
    Lockfile, SchemaRejectsTest,
    ::testing::Values(
        MutationCase{"components_missing", SchemaKind::lockfile, kLockfileV0, "/components",
                     std::nullopt, "", R"(expected member "components")"},
        MutationCase{"triggers_missing", SchemaKind::lockfile, kLockfileV1, "/triggers",
                     std::nullopt, "", R"(expected member "triggers")"},
        MutationCase{"version_missing", SchemaKind::lockfile, kLockfileV0, "/spin_lock_version",
                     std::nullopt, "", R"(expected member "spin_lock_version")"},
        MutationCase{"version_2", SchemaKind::lockfile, kLockfileV1, "/spin_lock_version", "2",
                     "/spin_lock_version", "expected one of 0, 1, found the number 2"},
        MutationCase{"source_without_content_type", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/source/content_type", std::nullopt, "/components/0/source",
                     R"(expected member "content_type")"},
        MutationCase{"file_without_path", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/files/0/path", std::nullopt, "/components/0/files/0",
                     R"(expected member "path")"},
        MutationCase{"component_without_id", SchemaKind::lockfile, kLockfileV1, "/components/0/id",
                     std::nullopt, "/components/0", R"(expected member "id")"},
        MutationCase{"inline_with_padding", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/files/1/inline", R"("aGVsbG8=")",
                     "/components/0/files/1/inline", "base64 without padding"},
        MutationCase{"inline_nonzero_trailing_bits", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/files/1/inline", R"("aGVsbG9")", "/components/0/files/1/inline",
                     "base64"},
        MutationCase{"digest_upper_hex", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/source/digest",
                     R"("sha256:A3B1C2D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90")",
                     "/components/0/source/digest", "SHA-256 digest"},
        MutationCase{"digest_other_algorithm", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/files/0/digest", R"("sha512:00")",
                     "/components/0/files/0/digest", "SHA-256 digest"},
        MutationCase{"must_understand_unknown", SchemaKind::lockfile, kLockfileV1,
                     "/must_understand/0", R"("everything")", "/must_understand/0",
                     R"(expected one of "host_requirements", "component_host_requirements")"},
        MutationCase{"trigger_config_not_object", SchemaKind::lockfile, kLockfileV0,
                     "/triggers/0/trigger_config", R"("hello")", "/triggers/0/trigger_config",
                     "expected an object"},
        MutationCase{"trigger_without_type", SchemaKind::lockfile, kLockfileV0,
                     "/triggers/0/trigger_type", std::nullopt, "/triggers/0",
                     R"(expected member "trigger_type")"},
        MutationCase{"env_value_not_string", SchemaKind::lockfile, kLockfileV0,
                     "/components/0/env/GREETING", "1", "/components/0/env/GREETING",
                     "expected a string"},
        MutationCase{"variable_secret_not_bool", SchemaKind::lockfile, kLockfileV1,
                     "/variables/api_key/secret", R"("yes")", "/variables/api_key/secret",
                     "expected a boolean"},
        MutationCase{"dependency_without_source", SchemaKind::lockfile, kLockfileV1,
                     "/components/0/dependencies/foo:bar~1baz/source", std::nullopt,
                     "/components/0/dependencies/foo:bar~1baz", R"(expected member "source")"},
        MutationCase{"trigger_dependency_source", SchemaKind::lockfile, kLockfileV1,
                     "/triggers/0/trigger_dependencies/middleware/0/source/content_type", "7",
                     "/triggers/0/trigger_dependencies/middleware/0/source/content_type",
                     "expected a string"},
        MutationCase{"files_not_array", SchemaKind::lockfile, kLockfileV1, "/components/0/files",
                     "{}", "/components/0/files", "expected an array"}),
    [](const ::testing::TestParamInfo<MutationCase>& info) {
        return std::string(info.param.name);
    });

TEST(Schema, FileNamesAndCodes) {
    EXPECT_EQ(schema_file(SchemaKind::manifest), "oci-manifest.schema.json");
    EXPECT_EQ(schema_file(SchemaKind::index), "oci-index.schema.json");
    EXPECT_EQ(schema_file(SchemaKind::config), "oci-config.schema.json");
    EXPECT_EQ(schema_file(SchemaKind::descriptor), "oci-descriptor.schema.json");
    EXPECT_EQ(schema_file(SchemaKind::layout), "oci-layout.schema.json");
    EXPECT_EQ(schema_file(SchemaKind::lockfile), "spin-lockfile.schema.json");
    EXPECT_EQ(schema_code(SchemaKind::manifest), "OCI-SCHEMA");
    EXPECT_EQ(schema_code(SchemaKind::lockfile), "SPIN-LOCKFILE-SCHEMA");
}

TEST(Schema, EveryEmbeddedSchemaCompiles) {
    ASSERT_GT(detail::kEmbeddedSchemaCount, 0u);
    const rapidjson::Document empty = parse("{}");
    for (std::size_t i = 0; i < detail::kEmbeddedSchemaCount; ++i) {
        const std::string name(detail::kEmbeddedSchemas[i].name);
        Findings findings;
        check_schema_named(name, empty, "empty.json", findings, "TEST");
        for (const Finding& finding : findings.all()) {
            EXPECT_EQ(finding.message.find("could not be loaded"), std::string::npos)
                << name << ": " << finding.message;
            EXPECT_EQ(finding.message.find("schema validation failed"), std::string::npos)
                << name << ": " << finding.message;
        }
    }
}

TEST(Schema, PointerPrefixForEmbeddedDocuments) {
    const rapidjson::Document doc = mutated(kDescriptor, "/size", "-1");
    Findings findings;
    EXPECT_FALSE(check_schema(SchemaKind::descriptor, doc, "index.json", findings, "/manifests/3"));
    ASSERT_EQ(findings.size(), 1u) << dump(findings);
    EXPECT_EQ(findings.all()[0].pointer, "/manifests/3/size");
    EXPECT_EQ(findings.all()[0].message.rfind("index.json: /manifests/3/size: ", 0), 0u)
        << findings.all()[0].message;
}

TEST(Schema, ReportsEachViolationOnceWithoutParentSummaries) {
    rapidjson::Document doc = mutated(kImageManifest, "/config/size", "-1");
    rapidjson::Pointer("/layers/1/digest").Erase(doc);
    rapidjson::Pointer("/layers/2/mediaType").Set(doc, 42);
    rapidjson::Pointer("/schemaVersion").Set(doc, "two");
    Findings findings;
    EXPECT_FALSE(check_schema(SchemaKind::manifest, doc, "m.json", findings));
    ASSERT_EQ(findings.size(), 4u) << dump(findings);
    std::vector<std::string> pointers;
    for (const Finding& finding : findings.all()) {
        pointers.push_back(finding.pointer);
        EXPECT_EQ(finding.message.find("Failed to validate"), std::string::npos) << finding.message;
        EXPECT_EQ(finding.message.find("failed to validate"), std::string::npos) << finding.message;
    }
    std::sort(pointers.begin(), pointers.end());
    EXPECT_EQ(pointers, (std::vector<std::string>{"/config/size", "/layers/1",
                                                  "/layers/2/mediaType", "/schemaVersion"}));
}

TEST(Schema, CapsFindingsForOneDocument) {
    std::string text =
        R"({"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:00","size":1},"layers":[)";
    for (int i = 0; i < 200; ++i) text += std::string(i > 0 ? "," : "") + R"({"size":-1})";
    text += "]}";
    const rapidjson::Document doc = parse(text);
    Findings findings;
    EXPECT_FALSE(check_schema(SchemaKind::manifest, doc, "m.json", findings));
    ASSERT_EQ(findings.size(), 51u);
    EXPECT_EQ(findings.all()[0].pointer, "/layers/0/size");
    EXPECT_NE(findings.all().back().message.find("more schema violations not listed"),
              std::string::npos)
        << findings.all().back().message;
}

TEST(Schema, NotAnObject) {
    for (const char* text : {"[]", "\"manifest\"", "2", "null"}) {
        const rapidjson::Document doc = parse(text);
        Findings findings;
        EXPECT_FALSE(check_schema(SchemaKind::manifest, doc, "m.json", findings)) << text;
        ASSERT_EQ(findings.size(), 1u) << text << "\n" << dump(findings);
        EXPECT_EQ(findings.all()[0].pointer, "");
        EXPECT_NE(findings.all()[0].message.find("m.json: expected an object, found"),
                  std::string::npos)
            << findings.all()[0].message;
    }
}

// A long string must not exhaust the stack in the regex matcher, and is shortened in messages.
TEST(Schema, LongStringsAreMatchedSafely) {
    const std::string data(1 << 17, 'A');  // 128 KiB of valid base64
    rapidjson::Document doc = parse(kDescriptor);
    rapidjson::Pointer("/data").Set(doc, rapidjson::Value(data.c_str(), doc.GetAllocator()));
    Findings findings;
    EXPECT_TRUE(check_schema(SchemaKind::descriptor, doc, "d.json", findings)) << dump(findings);

    const std::string media_type = "application/" + std::string(1 << 16, 'x') + " ";
    rapidjson::Pointer("/mediaType")
        .Set(doc, rapidjson::Value(media_type.c_str(), doc.GetAllocator()));
    EXPECT_FALSE(check_schema(SchemaKind::descriptor, doc, "d.json", findings));
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings.all()[0].pointer, "/mediaType");
    EXPECT_LT(findings.all()[0].message.size(), 600u);
    EXPECT_NE(findings.all()[0].message.find("... (65549 bytes)"), std::string::npos)
        << findings.all()[0].message;

    const std::string inline_content(1 << 17, 'Q');
    rapidjson::Document lockfile = parse(kLockfileV0);
    rapidjson::Pointer("/components/0/files/1/inline")
        .Set(lockfile, rapidjson::Value(inline_content.c_str(), lockfile.GetAllocator()));
    Findings lockfile_findings;
    EXPECT_TRUE(check_schema(SchemaKind::lockfile, lockfile, "spin.lock", lockfile_findings))
        << dump(lockfile_findings);
}

TEST(Schema, ByEmbeddedFileName) {
    const rapidjson::Document manifest = parse(kImageManifest);
    Findings findings;
    EXPECT_TRUE(
        check_schema_named("oci-manifest.schema.json", manifest, "m.json", findings, "OUT-SCHEMA"));
    EXPECT_TRUE(findings.empty()) << dump(findings);

    const rapidjson::Document broken = mutated(kImageManifest, "/layers/0/size", R"("big")");
    EXPECT_FALSE(check_schema_named("oci-manifest.schema.json", broken, "m.json", findings,
                                    "OUT-SCHEMA", "/result"));
    ASSERT_EQ(findings.size(), 1u) << dump(findings);
    EXPECT_EQ(findings.all()[0].code, "OUT-SCHEMA");
    EXPECT_EQ(findings.all()[0].pointer, "/result/layers/0/size");

    Findings unknown;
    EXPECT_FALSE(
        check_schema_named("no-such.schema.json", manifest, "out.json", unknown, "OUT-SCHEMA"));
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown.all()[0].code, "OUT-SCHEMA");
    EXPECT_EQ(unknown.all()[0].file, "out.json");
    EXPECT_NE(unknown.all()[0].message.find("found \"no-such.schema.json\""), std::string::npos)
        << unknown.all()[0].message;
    EXPECT_NE(unknown.all()[0].message.find("oci-manifest.schema.json"), std::string::npos)
        << unknown.all()[0].message;
}

// Our output schemas list every member they allow (here the SARIF subset, whose root allows
// only $schema, version and runs, and exactly one run).
TEST(Schema, UnlistedMembersAndCountsInOutputSchemas) {
    const rapidjson::Document doc = parse(R"({"version":"2.1.0","runs":[],"extra":{"a/b":1}})");
    Findings findings;
    EXPECT_FALSE(check_schema_named("sarif-2.1.0-subset.schema.json", doc, "out.sarif", findings,
                                    "OUTPUT-SCHEMA"));
    ASSERT_EQ(findings.size(), 2u) << dump(findings);
    std::map<std::string, std::string> by_pointer;
    for (const Finding& finding : findings.all()) by_pointer[finding.pointer] = finding.message;
    ASSERT_EQ(by_pointer.count("/extra"), 1u) << dump(findings);
    EXPECT_NE(by_pointer["/extra"].find(R"(out.sarif: /extra: expected no member "extra")"),
              std::string::npos)
        << by_pointer["/extra"];
    EXPECT_NE(by_pointer["/extra"].find("found an object with 1 member"), std::string::npos)
        << by_pointer["/extra"];
    ASSERT_EQ(by_pointer.count("/runs"), 1u) << dump(findings);
    EXPECT_NE(by_pointer["/runs"].find("expected an array with "), std::string::npos)
        << by_pointer["/runs"];
    EXPECT_NE(by_pointer["/runs"].find("found an array with 0 items"), std::string::npos)
        << by_pointer["/runs"];
}

// The compiled schema is reused: 10,000 documents, valid and invalid, go through quickly.
TEST(Schema, ValidatesTenThousandManifests) {
    rapidjson::Document doc = parse(kSpinManifest);
    std::size_t valid = 0;
    std::size_t findings_seen = 0;
    for (int i = 0; i < 10000; ++i) {
        rapidjson::Pointer("/layers/0/size").Set(doc, i % 100 == 99 ? -i : i);
        Findings findings;
        if (check_schema(SchemaKind::manifest, doc, "m.json", findings)) ++valid;
        findings_seen += findings.size();
    }
    EXPECT_EQ(valid, 9900u);
    EXPECT_EQ(findings_seen, 100u);
}

TEST(Schema, ConcurrentFirstUseIsSafe) {
    std::vector<std::thread> threads;
    std::vector<int> valid(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t, &valid] {
            const rapidjson::Document lockfile = parse(kLockfileV1);
            const rapidjson::Document config = parse(kImageConfig);
            for (int i = 0; i < 200; ++i) {
                Findings findings;
                const bool ok = (i + t) % 2 == 0
                                    ? check_schema(SchemaKind::lockfile, lockfile, "l", findings)
                                    : check_schema(SchemaKind::config, config, "c", findings);
                if (ok && findings.empty()) ++valid[t];
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(valid, (std::vector<int>{200, 200, 200, 200}));
}

}  // namespace
}  // namespace ociwasm
