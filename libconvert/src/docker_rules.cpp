// Docker Image Manifest V2 Schema 2 (distribution's docs/spec/manifest-v2-2.md): a manifest or
// manifest list whose media type is Docker's is checked against our schemas for them, then by
// the body rules it shares with OCI (descriptors, member case; none of the OCI-only ones).
#include <string>
#include <string_view>

#include "finding_location.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "validate_internal.h"

namespace ociwasm::detail {

void check_docker_manifest(const rapidjson::Value& doc, std::string_view file, Findings& out) {
    check_schema_named("docker-manifest.schema.json", doc, file, out, codes::kOciDockerSchema);
    check_manifest_body(doc, file, BodyCheck::docker, out);
}

void check_docker_manifest_list(const rapidjson::Value& doc, std::string_view file, Findings& out) {
    check_schema_named("docker-manifest-list.schema.json", doc, file, out, codes::kOciDockerSchema);
    check_index_body(doc, file, false, BodyCheck::docker, out);
}

void note_docker_format(std::string_view media_type, std::string_view file, Findings& out) {
    const std::string what = media_type == media::kDockerManifestList
                                 ? "a Docker manifest list (Image Manifest V2 Schema 2)"
                                 : "a Docker Image Manifest V2 Schema 2 manifest";
    out.info(codes::kOciDockerFormat,
             where(file, "/mediaType") + "checked as " + what +
                 ", as its mediaType says: Docker's schema and the rules it shares with OCI, "
                 "not the OCI-only ones",
             std::string(file), "/mediaType");
}

}  // namespace ociwasm::detail
