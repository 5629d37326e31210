// Referrers (image-spec v1.1): a manifest or index whose `subject` names another manifest or
// index: a signature (notation, cosign), an SBOM, an attestation. The rules every walk asks
// here: what makes a document a referrer, and the artifactType the referrers API reports for it
// (distribution-spec, "Listing Referrers"). Validate, inspect and convert find referrers in
// their own walks of the graph, wherever a layout holds them: as index.json entries (what
// notation and oras write) or in a nested index (the referrers tag schema, `sha256-<hex>`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <rapidjson/document.h>

namespace ociwasm::detail {

struct Referrer {
    std::string digest;      // the referrer's own digest
    std::string media_type;  // the mediaType of the descriptor that names it
    std::uint64_t size = 0;
    std::string location;  // where that descriptor is: "index.json#/manifests/1"
    std::string artifact_type;
    std::string subject;                             // the digest its `subject` names
    std::map<std::string, std::string> annotations;  // the referrer's own (string) annotations
};

// The subject digest, artifactType and annotations of a manifest or index that has a `subject`
// with a string digest; nullopt for any other document. The caller fills in where it found it
// (named_by).
std::optional<Referrer> referrer_of(const rapidjson::Value& document);

// Fills digest, media_type, size (those of `descriptor`) and location.
void named_by(Referrer& referrer, const rapidjson::Value& descriptor, std::string location);

// The artifactType the referrers API reports: the document's artifactType; for a manifest
// without one, its config.mediaType; "" otherwise.
std::string referrer_artifact_type(const rapidjson::Value& document);

// The referrers a walk found, by subject.
class ReferrerIndex {
  public:
    // Adds `referrer` unless one with its digest is there already (a referrer reached twice).
    void add(Referrer referrer);
    // The referrers of `subject`, in the order they were added.
    std::vector<const Referrer*> of(std::string_view subject) const;
    const std::vector<Referrer>& all() const { return referrers_; }
    bool empty() const { return referrers_.empty(); }
    // `roots` and, transitively, the referrers of each (a signature of a dropped SBOM goes too).
    std::set<std::string> with_referrers(const std::set<std::string>& roots) const;

  private:
    std::vector<Referrer> referrers_;
    std::unordered_set<std::string> digests_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_subject_;  // into referrers_
};

}  // namespace ociwasm::detail
