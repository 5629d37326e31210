// The OCI image-spec rules no JSON schema can express: digest grammar and verification of
// embedded data, URIs, annotations, media types of document bodies, the CVE-2021-41190 shape
// checks, the empty descriptor, image config Env entries and the oci-layout marker.
#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "finding_location.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "text.h"
#include "validate_internal.h"

namespace ociwasm::detail {
namespace {

constexpr std::string_view kCreatedAnnotation = "org.opencontainers.image.created";

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_unreserved(char c) {
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) {
    return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Every character is unreserved, a sub-delim, one of `extra`, or part of a %XX escape.
bool uri_chars_ok(std::string_view text, std::string_view extra) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return false;
            if (!is_hex(text[i + 1]) || !is_hex(text[i + 2])) return false;
            i += 2;
        } else if (!is_unreserved(c) && !is_sub_delim(c) &&
                   extra.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool ip_literal_ok(std::string_view inside) {
    if (inside.empty()) return false;
    if (inside.front() == 'v' || inside.front() == 'V') {
        // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        std::size_t i = 1;
        while (i < inside.size() && is_hex(inside[i])) ++i;
        if (i == 1 || i >= inside.size() || inside[i] != '.' || i + 1 == inside.size()) {
            return false;
        }
        for (char c : inside.substr(i + 1)) {
            if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') return false;
        }
        return true;
    }
    // IPv6 address, possibly ending in a dotted IPv4 part; the shape is enough here.
    if (inside.find(':') == std::string_view::npos) return false;
    return std::all_of(inside.begin(), inside.end(),
                       [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

bool authority_ok(std::string_view authority) {
    std::string_view host_port = authority;
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (!uri_chars_ok(authority.substr(0, at), ":")) return false;
        host_port = authority.substr(at + 1);
    }
    std::string_view port;
    if (!host_port.empty() && host_port.front() == '[') {
        auto close = host_port.find(']');
        if (close == std::string_view::npos) return false;
        if (!ip_literal_ok(host_port.substr(1, close - 1))) return false;
        std::string_view rest = host_port.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
        }
    } else {
        std::string_view host = host_port;
        if (auto colon = host_port.rfind(':'); colon != std::string_view::npos) {
            host = host_port.substr(0, colon);
            port = host_port.substr(colon + 1);
        }
        if (!uri_chars_ok(host, "")) return false;
    }
    return std::all_of(port.begin(), port.end(), is_digit);
}

int digits(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return -1;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (!is_digit(text[i])) return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

std::string digest_hex(std::string_view algorithm, std::string_view bytes) {
    if (algorithm == "sha256") return sha256_hex(bytes);
    if (algorithm == "sha512") return sha512_hex(bytes);
    return {};
}

bool has_member(const rapidjson::Value& object, std::string_view name) {
    return find_member(object, name) != nullptr;
}

void check_descriptor_array(const rapidjson::Value& parent, std::string_view member,
                            std::string_view file, bool in_index_json, Findings& out) {
    const rapidjson::Value* array = find_member(parent, member);
    if (array == nullptr || !array->IsArray()) return;
    std::string base = pointer_join("", member);
    for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
        check_descriptor_fields((*array)[i], file, pointer_join(base, i), in_index_json, out);
    }
}

void check_optional_descriptor(const rapidjson::Value& parent, std::string_view member,
                               std::string_view file, Findings& out) {
    if (const rapidjson::Value* descriptor = find_member(parent, member)) {
        check_descriptor_fields(*descriptor, file, pointer_join("", member), false, out);
    }
}

void check_top_annotations(const rapidjson::Value& doc, std::string_view file, Findings& out) {
    if (const rapidjson::Value* annotations = find_member(doc, "annotations")) {
        check_annotations(*annotations, file, "/annotations", false, out);
    }
}

}  // namespace

// ---- grammars ----

bool decode_base64(std::string_view text, bool padded, std::string& out) {
    out.clear();
    std::size_t data_length = text.size();
    if (padded) {
        if (text.size() % 4 != 0) return false;
        if (data_length > 0 && text[data_length - 1] == '=') --data_length;
        if (data_length > 0 && text[data_length - 1] == '=') --data_length;
    }
    std::string_view data = text.substr(0, data_length);
    if (data.size() % 4 == 1) return false;
    // With padding, the '=' count must be exactly what the data length implies.
    if (padded && (text.size() - data.size()) != (4 - data.size() % 4) % 4) return false;
    out.reserve(data.size() / 4 * 3 + 2);
    std::uint32_t accumulator = 0;
    int bits = 0;
    for (char c : data) {
        int value = base64_value(c);
        if (value < 0) return false;
        accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((accumulator >> bits) & 0xff);
        }
    }
    // Canonical encodings leave the unused low bits zero.
    return (accumulator & ((1u << bits) - 1)) == 0;
}

bool is_uri_reference_absolute(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || !is_alpha(text[0])) return false;
    for (char c : text.substr(0, colon)) {
        if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
    }
    std::string_view rest = text.substr(colon + 1);
    if (auto hash = rest.find('#'); hash != std::string_view::npos) {
        if (!uri_chars_ok(rest.substr(hash + 1), ":@/?")) return false;
        rest = rest.substr(0, hash);
    }
    if (auto question = rest.find('?'); question != std::string_view::npos) {
        if (!uri_chars_ok(rest.substr(question + 1), ":@/?")) return false;
        rest = rest.substr(0, question);
    }
    if (rest.starts_with("//")) {
        rest.remove_prefix(2);
        auto slash = rest.find('/');
        std::string_view authority = rest.substr(0, slash);
        if (!authority_ok(authority)) return false;
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    return uri_chars_ok(rest, ":@/");
}

bool is_rfc3339_date_time(std::string_view text) {
    // full-date "T" partial-time time-offset: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    if (text.size() < 20) return false;
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    if (year < 0 || text[4] != '-' || text[7] != '-' || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month)) {
        return false;
    }
    if (text[10] != 'T' && text[10] != 't') return false;
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (hour < 0 || hour > 23 || text[13] != ':' || minute < 0 || minute > 59 || text[16] != ':' ||
        second < 0 || second > 60) {
        return false;
    }
    std::size_t i = 19;
    if (i < text.size() && text[i] == '.') {
        std::size_t start = ++i;
        while (i < text.size() && is_digit(text[i])) ++i;
        if (i == start) return false;
    }
    std::string_view offset = text.substr(i);
    if (offset == "Z" || offset == "z") return true;
    if (offset.size() != 6 || (offset[0] != '+' && offset[0] != '-') || offset[3] != ':') {
        return false;
    }
    int offset_hour = digits(offset, 1, 2);
    int offset_minute = digits(offset, 4, 2);
    return offset_hour >= 0 && offset_hour <= 23 && offset_minute >= 0 && offset_minute <= 59;
}

bool is_valid_ref_name(std::string_view text) {
    // component ("/" component)*; component ::= alphanum (separator alphanum)*;
    // separator ::= [-._:@+] | "--"
    std::size_t i = 0;
    for (;;) {
        if (i >= text.size() || !is_alnum(text[i])) return false;
        while (i < text.size() && is_alnum(text[i])) ++i;
        if (i == text.size()) return true;
        if (text[i] == '/') {
            ++i;
        } else if (text[i] == '-' && i + 1 < text.size() && text[i + 1] == '-') {
            i += 2;
        } else if (std::string_view("-._:@+").find(text[i]) != std::string_view::npos) {
            ++i;
        } else {
            return false;
        }
    }
}

// ---- JSON helpers ----

const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> string_member(const rapidjson::Value& object,
                                              std::string_view name) {
    const rapidjson::Value* value = find_member(object, name);
    if (value == nullptr || !value->IsString()) return std::nullopt;
    return as_view(*value);
}

std::string_view as_view(const rapidjson::Value& string_value) {
    return {string_value.GetString(), string_value.GetStringLength()};
}

bool parse_document(std::string_view bytes, rapidjson::Document& doc, std::string_view file,
                    std::string_view code, std::string_view what, Findings& out) {
    JsonError error;
    if (parse_json(bytes, doc, &error)) return true;
    out.error(std::string(code),
              where(file, error.pointer) + "expected " + std::string(what) +
                  " in valid I-JSON, found an error at " + json_error_position(error) + ": " +
                  error.message,
              std::string(file), error.pointer);
    return false;
}

// ---- descriptors ----

void check_annotations(const rapidjson::Value& annotations, std::string_view file,
                       const std::string& pointer, bool in_index_json, Findings& out) {
    if (!annotations.IsObject()) return;
    if (auto created = string_member(annotations, kCreatedAnnotation)) {
        if (!is_rfc3339_date_time(*created)) {
            std::string at = pointer_join(pointer, kCreatedAnnotation);
            out.warning(codes::kOciAnnotationCreated,
                        where(file, at) + "expected an RFC 3339 date-time such as " +
                            "\"2024-01-31T12:00:00Z\", found " + quoted(*created),
                        std::string(file), at);
        }
    }
    if (in_index_json) {
        if (auto ref_name = string_member(annotations, media::kRefNameAnnotation)) {
            if (!is_valid_ref_name(*ref_name)) {
                std::string at = pointer_join(pointer, media::kRefNameAnnotation);
                out.error(codes::kOciRefNameInvalid,
                          where(file, at) +
                              "expected a ref name of components made of letters and digits "
                              "joined by one of -._:@+ or \"--\", separated by \"/\", found " +
                              quoted(*ref_name),
                          std::string(file), at);
            }
        }
    }
}

namespace {

// A descriptor's `data`: standard base64 with padding, of the descriptor's size and digest.
void check_embedded_data(std::string_view data, const std::optional<Digest>& digest,
                         std::optional<std::uint64_t> size, std::string_view file,
                         const std::string& at, Findings& out) {
    std::string decoded;
    if (!decode_base64(data, true, decoded)) {
        out.error(codes::kOciDataInvalid,
                  where(file, at) + "expected standard base64 with padding, found " + quoted(data),
                  std::string(file), at);
    } else if (size && decoded.size() != *size) {
        out.error(codes::kOciDataMismatch,
                  where(file, at) + "expected data of " + std::to_string(*size) +
                      " bytes (the descriptor's size), found " + std::to_string(decoded.size()) +
                      " bytes",
                  std::string(file), at);
    } else if (digest && is_verifiable_algorithm(digest->algorithm)) {
        std::string computed = digest_hex(digest->algorithm, decoded);
        if (computed != digest->encoded) {
            out.error(codes::kOciDataMismatch,
                      where(file, at) + "expected data hashing to " + digest->str() + ", found " +
                          digest->algorithm + ":" + computed,
                      std::string(file), at, digest->str());
        }
    }
}

}  // namespace

void check_descriptor_fields(const rapidjson::Value& descriptor, std::string_view file,
                             const std::string& pointer, bool in_index_json, Findings& out) {
    if (!descriptor.IsObject()) return;
    std::optional<Digest> digest;
    if (auto text = string_member(descriptor, "digest")) {
        std::string why;
        digest = parse_digest(*text, &why);
        if (!digest) {
            std::string at = pointer + "/digest";
            out.error(codes::kOciDigestInvalid,
                      where(file, at) + "expected a digest algorithm:encoded (sha256: 64 " +
                          "lowercase hex), found " + quoted(*text) +
                          (why.empty() ? std::string() : " (" + why + ")"),
                      std::string(file), at);
        }
    }
    std::optional<std::uint64_t> size;
    if (const rapidjson::Value* value = find_member(descriptor, "size");
        value != nullptr && value->IsUint64()) {
        size = value->GetUint64();
    }
    std::string_view media_type = string_member(descriptor, "mediaType").value_or("");

    if (auto data = string_member(descriptor, "data")) {
        check_embedded_data(*data, digest, size, file, pointer + "/data", out);
    }

    if (const rapidjson::Value* urls = find_member(descriptor, "urls");
        urls != nullptr && urls->IsArray()) {
        for (rapidjson::SizeType i = 0; i < urls->Size(); ++i) {
            const rapidjson::Value& url = (*urls)[i];
            if (!url.IsString() || is_uri_reference_absolute(as_view(url))) continue;
            std::string at = pointer_join(pointer + "/urls", i);
            out.error(codes::kOciUrlInvalid,
                      where(file, at) + "expected an RFC 3986 URI (scheme:...), found " +
                          quoted(as_view(url)),
                      std::string(file), at);
        }
    }

    if (const rapidjson::Value* annotations = find_member(descriptor, "annotations")) {
        check_annotations(*annotations, file, pointer + "/annotations", in_index_json, out);
    }

    if (media_type == media::kOciEmpty) {
        if (digest && digest->str() != media::kOciEmptyDigest) {
            std::string at = pointer + "/digest";
            out.error(codes::kOciEmptyDescriptor,
                      where(file, at) + "expected the digest of the empty JSON blob {} (" +
                          std::string(media::kOciEmptyDigest) + ") for " +
                          std::string(media::kOciEmpty) + ", found " + digest->str(),
                      std::string(file), at);
        }
        if (size && *size != 2) {
            std::string at = pointer + "/size";
            out.error(codes::kOciEmptyDescriptor,
                      where(file, at) + "expected size 2 (the empty JSON blob {}) for " +
                          std::string(media::kOciEmpty) + ", found " + std::to_string(*size),
                      std::string(file), at);
        }
    }
}

// ---- document bodies ----

bool looks_like_index(const rapidjson::Value& doc) {
    return doc.IsObject() && has_member(doc, "manifests") && !has_member(doc, "config") &&
           !has_member(doc, "layers");
}

bool looks_like_manifest(const rapidjson::Value& doc) {
    return doc.IsObject() && !has_member(doc, "manifests") &&
           (has_member(doc, "config") || has_member(doc, "layers"));
}

void check_manifest_body(const rapidjson::Value& manifest, std::string_view file, BodyCheck mode,
                         Findings& out) {
    if (!manifest.IsObject()) return;
    if (has_member(manifest, "manifests")) {
        out.error(codes::kOciManifestHasManifests,
                  where(file, "/manifests") +
                      "expected a manifest without \"manifests\" (only an index has them), "
                      "found a manifests member",
                  std::string(file), "/manifests");
    }
    check_member_case(manifest, OciObject::manifest, file, out);
    check_optional_descriptor(manifest, "config", file, out);
    check_descriptor_array(manifest, "layers", file, false, out);
    check_optional_descriptor(manifest, "subject", file, out);
    check_top_annotations(manifest, file, out);

    if (const rapidjson::Value* layers = find_member(manifest, "layers");
        layers != nullptr && layers->IsArray() && layers->Empty()) {
        out.warning(codes::kOciLayersEmpty,
                    where(file, "/layers") + "expected at least one layer, found none",
                    std::string(file), "/layers");
    }
    if (mode == BodyCheck::docker) return;
    const rapidjson::Value* config = find_member(manifest, "config");
    if (config != nullptr && string_member(*config, "mediaType") == media::kOciEmpty &&
        !has_member(manifest, "artifactType")) {
        out.error(codes::kOciArtifacttypeRequired,
                  where(file, "/config/mediaType") +
                      "expected \"artifactType\" to be set because config.mediaType is " +
                      std::string(media::kOciEmpty) + ", found no artifactType",
                  std::string(file), "/config/mediaType");
    }
}

void check_index_body(const rapidjson::Value& index, std::string_view file, bool is_index_json,
                      BodyCheck mode, Findings& out) {
    (void)mode;
    if (!index.IsObject()) return;
    for (std::string_view banned : {std::string_view("config"), std::string_view("layers")}) {
        if (!has_member(index, banned)) continue;
        std::string at = pointer_join("", banned);
        out.error(codes::kOciIndexHasLayers,
                  where(file, at) + "expected an index without \"" + std::string(banned) +
                      "\" (only a manifest has it), found a " + std::string(banned) + " member",
                  std::string(file), at);
    }
    check_member_case(index, OciObject::index, file, out);
    check_descriptor_array(index, "manifests", file, is_index_json, out);
    check_optional_descriptor(index, "subject", file, out);
    check_top_annotations(index, file, out);
}

void check_body_media_type(const rapidjson::Value& doc, std::string_view file,
                           std::string_view expected, std::string_view descriptor_type,
                           Findings& out) {
    auto media_type = string_member(doc, "mediaType");
    if (!media_type) return;
    if (!descriptor_type.empty()) {
        if (*media_type == descriptor_type) return;
        out.error(codes::kOciMediatypeMismatch,
                  where(file, "/mediaType") + "expected " + quoted(descriptor_type) +
                      " (the mediaType of the descriptor pointing here), found " +
                      quoted(*media_type),
                  std::string(file), "/mediaType");
        return;
    }
    if (*media_type == expected) return;
    out.error(codes::kOciMediatypeInvalid,
              where(file, "/mediaType") + "expected " + quoted(expected) + ", found " +
                  quoted(*media_type),
              std::string(file), "/mediaType");
}

void check_image_config(const rapidjson::Value& config, std::string_view file, Findings& out) {
    check_member_case(config, OciObject::image_config, file, out);
    const rapidjson::Value* inner = find_member(config, "config");
    if (inner == nullptr) return;
    const rapidjson::Value* env = find_member(*inner, "Env");
    if (env == nullptr || !env->IsArray()) return;
    for (rapidjson::SizeType i = 0; i < env->Size(); ++i) {
        const rapidjson::Value& entry = (*env)[i];
        if (!entry.IsString()) continue;
        std::string_view text = as_view(entry);
        auto equals = text.find('=');
        if (equals != std::string_view::npos && equals > 0) continue;
        std::string at = pointer_join("/config/Env", i);
        out.error(
            codes::kOciConfigEnv,
            where(file, at) + "expected an environment entry KEY=value, found " + quoted(text),
            std::string(file), at);
    }
}

void check_oci_layout(std::string_view bytes, std::string_view file, Findings& out) {
    rapidjson::Document doc;
    JsonError error;
    auto bad = [&](const std::string& pointer, const std::string& message) {
        out.error(codes::kLayoutBadOciLayout, where(file, pointer) + message, std::string(file),
                  pointer);
    };
    if (!parse_json(bytes, doc, &error)) {
        bad(error.pointer,
            "expected a JSON object {\"imageLayoutVersion\":\"1.0.0\"}, found "
            "invalid JSON at " +
                json_error_position(error) + ": " + error.message);
        return;
    }
    if (!doc.IsObject()) {
        bad("",
            "expected a JSON object {\"imageLayoutVersion\":\"1.0.0\"}, found another "
            "JSON value");
        return;
    }
    check_member_case(doc, OciObject::oci_layout, file, out);
    const rapidjson::Value* version = find_member(doc, "imageLayoutVersion");
    if (version == nullptr) {
        bad("", "expected member \"imageLayoutVersion\" (\"1.0.0\"), found an object without it");
        return;
    }
    if (!version->IsString() || as_view(*version) != "1.0.0") {
        bad("/imageLayoutVersion",
            "expected \"1.0.0\", found " +
                (version->IsString() ? quoted(as_view(*version)) : write_canonical(*version)));
        return;
    }
    Findings schema;
    if (check_schema(SchemaKind::layout, doc, file, schema)) return;
    schema.for_each([&](const Finding& finding) {
        out.error(codes::kLayoutBadOciLayout, finding.message, finding.file, finding.pointer);
    });
}

void drop_redundant_schema_findings(Findings& findings) {
    auto is_schema = [](const Finding& f) {
        return f.code == codes::kOciSchema || f.code == codes::kOciDockerSchema ||
               f.code == codes::kSpinLockfileSchema || f.code == codes::kWasmConfigSchema;
    };
    if (!findings.contains(codes::kOciSchema) && !findings.contains(codes::kSpinLockfileSchema)) {
        return;
    }
    std::set<std::pair<std::string, std::string>> specific;
    findings.for_each([&](const Finding& f) {
        if (!is_schema(f) && f.severity == Severity::error && !f.pointer.empty()) {
            specific.emplace(f.file, f.pointer);
        }
    });
    if (specific.empty()) return;
    findings.remove_if([&](const Finding& f) {
        return is_schema(f) && specific.count({f.file, f.pointer}) > 0;
    });
}

}  // namespace ociwasm::detail
