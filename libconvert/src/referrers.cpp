// The referrer rules every walk shares (referrers.h).
#include "referrers.h"

#include <utility>

#include "validate_internal.h"

namespace ociwasm::detail {

std::optional<Referrer> referrer_of(const rapidjson::Value& document) {
    if (!document.IsObject()) return std::nullopt;
    const rapidjson::Value* subject = find_member(document, "subject");
    if (subject == nullptr) return std::nullopt;
    auto digest = string_member(*subject, "digest");
    if (!digest) return std::nullopt;
    Referrer referrer;
    referrer.subject = std::string(*digest);
    referrer.artifact_type = referrer_artifact_type(document);
    if (const rapidjson::Value* annotations = find_member(document, "annotations");
        annotations != nullptr && annotations->IsObject()) {
        for (const auto& member : annotations->GetObject()) {
            if (!member.value.IsString()) continue;
            referrer.annotations[std::string(as_view(member.name))] =
                std::string(as_view(member.value));
        }
    }
    return referrer;
}

void named_by(Referrer& referrer, const rapidjson::Value& descriptor, std::string location) {
    referrer.digest = std::string(string_member(descriptor, "digest").value_or(""));
    referrer.media_type = std::string(string_member(descriptor, "mediaType").value_or(""));
    if (const rapidjson::Value* size = find_member(descriptor, "size");
        size != nullptr && size->IsUint64()) {
        referrer.size = size->GetUint64();
    }
    referrer.location = std::move(location);
}

std::string referrer_artifact_type(const rapidjson::Value& document) {
    if (auto type = string_member(document, "artifactType"); type && !type->empty()) {
        return std::string(*type);
    }
    // An index without artifactType reports none (distribution-spec); only a manifest has a
    // config to fall back on.
    if (const rapidjson::Value* config = find_member(document, "config")) {
        return std::string(string_member(*config, "mediaType").value_or(""));
    }
    return {};
}

void ReferrerIndex::add(Referrer referrer) {
    if (referrer.digest.empty() || !digests_.insert(referrer.digest).second) return;
    by_subject_[referrer.subject].push_back(referrers_.size());
    referrers_.push_back(std::move(referrer));
}

std::vector<const Referrer*> ReferrerIndex::of(std::string_view subject) const {
    std::vector<const Referrer*> out;
    auto it = by_subject_.find(std::string(subject));
    if (it == by_subject_.end()) return out;
    for (std::size_t i : it->second) out.push_back(&referrers_[i]);
    return out;
}

std::set<std::string> ReferrerIndex::with_referrers(const std::set<std::string>& roots) const {
    std::set<std::string> out = roots;
    std::vector<std::string> pending(roots.begin(), roots.end());
    while (!pending.empty()) {
        std::string subject = std::move(pending.back());
        pending.pop_back();
        for (const Referrer* referrer : of(subject)) {
            if (out.insert(referrer->digest).second) pending.push_back(referrer->digest);
        }
    }
    return out;
}

}  // namespace ociwasm::detail
