// Validating one bare document on its own, outside a layout (oci-wasm-validate --as): the
// checks the graph walk (validate.cpp) runs on a document of that kind, without the graph.
#include <string>
#include <string_view>
#include <utility>

#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "ociwasm/spin.h"
#include "ociwasm/validate.h"
#include "validate_internal.h"

namespace ociwasm {
namespace {

bool is_index_json_name(std::string_view name) {
    auto slash = name.rfind('/');
    std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    return base == "index.json";
}

}  // namespace

void validate_document(DocumentKind kind, std::string_view bytes, std::string_view name,
                       ValidationResult& result) {
    Findings& out = result.findings;
    const std::string file(name);
    if (kind == DocumentKind::layout) {
        detail::check_oci_layout(bytes, file, out);
        return;
    }
    rapidjson::Document doc;
    if (kind == DocumentKind::lockfile) {
        if (!detail::parse_document(bytes, doc, file, codes::kSpinLockfileInvalid,
                                    "a Spin lockfile", out)) {
            return;
        }
        check_schema(SchemaKind::lockfile, doc, file, out);
        detail::check_lockfile_internal(doc, file, out);
        detail::drop_redundant_schema_findings(out);
        return;
    }
    static constexpr std::string_view kWhat[] = {"an image manifest", "an image index",
                                                 "an image config", "a descriptor"};
    std::string_view what = kind == DocumentKind::manifest ? kWhat[0]
                            : kind == DocumentKind::index  ? kWhat[1]
                            : kind == DocumentKind::config ? kWhat[2]
                                                           : kWhat[3];
    if (!detail::parse_document(bytes, doc, file, codes::kJsonInvalid, what, out)) return;
    auto warn_if_large = [&](std::string_view noun) {
        if (bytes.size() <= detail::kManifestWarnSize) return;
        out.warning(codes::kOciManifestTooLarge,
                    file + ": expected " + std::string(noun) + " of at most " +
                        std::to_string(detail::kManifestWarnSize) +
                        " bytes (what registries must accept), found " +
                        std::to_string(bytes.size()) + " bytes",
                    file);
    };
    // A bare document says by its own mediaType whether it is Docker's (there is no descriptor).
    const std::string_view body_type = detail::string_member(doc, "mediaType").value_or("");
    switch (kind) {
        case DocumentKind::manifest: {
            warn_if_large("a manifest");
            if (body_type == media::kDockerManifest) {
                detail::note_docker_format(body_type, file, out);
                detail::check_docker_manifest(doc, file, out);
            } else {
                check_schema(SchemaKind::manifest, doc, file, out);
                detail::check_body_media_type(doc, file, media::kOciManifest, "", out);
                detail::check_manifest_body(doc, file, detail::BodyCheck::oci, out);
            }
            ManifestEntry entry;
            entry.digest = sha256_digest(bytes);
            entry.file = file;
            entry.format = detect_format(doc);
            result.formats.push_back(entry.format);
            result.manifests.push_back(std::move(entry));
            break;
        }
        case DocumentKind::index:
            warn_if_large("an index");
            if (body_type == media::kDockerManifestList) {
                detail::note_docker_format(body_type, file, out);
                detail::check_docker_manifest_list(doc, file, out);
                break;
            }
            check_schema(SchemaKind::index, doc, file, out);
            detail::check_body_media_type(doc, file, media::kOciIndex, "", out);
            detail::check_index_body(doc, file, is_index_json_name(name), detail::BodyCheck::oci,
                                     out);
            break;
        case DocumentKind::config:
            check_schema(SchemaKind::config, doc, file, out);
            detail::check_image_config(doc, file, out);
            break;
        case DocumentKind::descriptor:
            check_schema(SchemaKind::descriptor, doc, file, out);
            detail::check_descriptor_fields(doc, file, "", false, out);
            break;
        case DocumentKind::layout:
        case DocumentKind::lockfile:
            break;
    }
    detail::drop_redundant_schema_findings(out);
}

}  // namespace ociwasm
