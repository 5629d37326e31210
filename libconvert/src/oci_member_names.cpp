// OCI-MEMBER-CASE: member names that Go readers take for a spec-defined member.
//
// Go's encoding/json, which skopeo, umoci, containerd and the registries use, matches object
// member names to struct fields case-insensitively (Unicode simple folding), and a later member
// overwrites an earlier one. So {"digest": A, "Digest": B} is digest A to us and digest B to
// them: one document, two meanings. Any member that equals a member the spec defines for that
// object up to case, without being it, is an error.
#include <span>
#include <string>
#include <string_view>

#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "text.h"
#include "validate_internal.h"

namespace ociwasm::detail {
namespace {

struct Shape;

struct Member {
    std::string_view name;
    const Shape* shape = nullptr;  // the object's (or each array item's) own members
};

struct Shape {
    std::span<const Member> members;
};

extern const Shape kDescriptorShape;

constexpr Member kPlatform[] = {{"architecture"}, {"os"},      {"os.version"},
                                {"os.features"},  {"variant"}, {"features"}};
const Shape kPlatformShape{kPlatform};

constexpr Member kDescriptor[] = {
    {"mediaType"},   {"digest"}, {"size"},         {"urls"},
    {"annotations"}, {"data"},   {"artifactType"}, {"platform", &kPlatformShape}};
const Shape kDescriptorShape{kDescriptor};

constexpr Member kManifest[] = {{"schemaVersion"},
                                {"mediaType"},
                                {"artifactType"},
                                {"config", &kDescriptorShape},
                                {"layers", &kDescriptorShape},
                                {"subject", &kDescriptorShape},
                                {"annotations"}};
const Shape kManifestShape{kManifest};

constexpr Member kIndex[] = {{"schemaVersion"},
                             {"mediaType"},
                             {"artifactType"},
                             {"manifests", &kDescriptorShape},
                             {"subject", &kDescriptorShape},
                             {"annotations"}};
const Shape kIndexShape{kIndex};

constexpr Member kExecution[] = {{"User"},       {"ExposedPorts"}, {"Env"},        {"Entrypoint"},
                                 {"Cmd"},        {"Volumes"},      {"WorkingDir"}, {"Labels"},
                                 {"StopSignal"}, {"ArgsEscaped"},  {"Memory"},     {"MemorySwap"},
                                 {"CpuShares"},  {"Healthcheck"}};
const Shape kExecutionShape{kExecution};

constexpr Member kRootfs[] = {{"type"}, {"diff_ids"}};
const Shape kRootfsShape{kRootfs};

constexpr Member kHistory[] = {
    {"created"}, {"created_by"}, {"author"}, {"comment"}, {"empty_layer"}};
const Shape kHistoryShape{kHistory};

constexpr Member kImageConfig[] = {{"created"},
                                   {"author"},
                                   {"architecture"},
                                   {"os"},
                                   {"os.version"},
                                   {"os.features"},
                                   {"variant"},
                                   {"config", &kExecutionShape},
                                   {"rootfs", &kRootfsShape},
                                   {"history", &kHistoryShape}};
const Shape kImageConfigShape{kImageConfig};

constexpr Member kOciLayout[] = {{"imageLayoutVersion"}};
const Shape kOciLayoutShape{kOciLayout};

const Shape& shape_of(OciObject kind) {
    switch (kind) {
        case OciObject::manifest:
            return kManifestShape;
        case OciObject::index:
            return kIndexShape;
        case OciObject::image_config:
            return kImageConfigShape;
        case OciObject::oci_layout:
            return kOciLayoutShape;
    }
    return kOciLayoutShape;
}

// `name` folded as Go's encoding/json compares it against an ASCII field name: ASCII letters
// to lower case, and the two non-ASCII runes whose simple fold is an ASCII letter (KELVIN SIGN
// U+212A -> k, LATIN SMALL LETTER LONG S U+017F -> s). Other bytes stay as they are.
std::string go_fold(std::string_view name) {
    std::string folded;
    folded.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        if (name.substr(i, 3) == "\xE2\x84\xAA") {
            folded += 'k';
            i += 2;
        } else if (name.substr(i, 2) == "\xC5\xBF") {
            folded += 's';
            i += 1;
        } else if (c >= 'A' && c <= 'Z') {
            folded += static_cast<char>(c - 'A' + 'a');
        } else {
            folded += static_cast<char>(c);
        }
    }
    return folded;
}

void check_object(const rapidjson::Value& object, const Shape& shape, std::string_view file,
                  const std::string& pointer, Findings& out);

void check_value(const rapidjson::Value& value, const Shape& shape, std::string_view file,
                 const std::string& pointer, Findings& out) {
    if (value.IsObject()) {
        check_object(value, shape, file, pointer, out);
    } else if (value.IsArray()) {
        for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
            if (value[i].IsObject())
                check_object(value[i], shape, file, pointer_join(pointer, i), out);
        }
    }
}

void check_object(const rapidjson::Value& object, const Shape& shape, std::string_view file,
                  const std::string& pointer, Findings& out) {
    for (const auto& member : object.GetObject()) {
        std::string_view name = as_view(member.name);
        std::string at = pointer_join(pointer, name);
        const Member* exact = nullptr;
        const Member* folded = nullptr;
        std::string folded_name;
        for (const Member& spec : shape.members) {
            if (spec.name == name) {
                exact = &spec;
                break;
            }
            if (folded == nullptr) {
                if (folded_name.empty()) folded_name = go_fold(name);
                if (go_fold(spec.name) == folded_name) folded = &spec;
            }
        }
        if (exact != nullptr) {
            if (exact->shape != nullptr) check_value(member.value, *exact->shape, file, at, out);
            continue;
        }
        if (folded == nullptr) continue;
        out.error(codes::kOciMemberCase,
                  std::string(file) + ": " + at + ": expected member names that differ from " +
                      "the spec's \"" + std::string(folded->name) +
                      "\" by more than letter case, found " + quoted(name) +
                      ", which Go readers (skopeo, umoci, containerd: encoding/json matches "
                      "names case-insensitively) take for \"" +
                      std::string(folded->name) + "\"",
                  std::string(file), at);
    }
}

}  // namespace

void check_member_case(const rapidjson::Value& doc, OciObject kind, std::string_view file,
                       Findings& out) {
    if (doc.IsObject()) check_object(doc, shape_of(kind), file, "", out);
}

}  // namespace ociwasm::detail
