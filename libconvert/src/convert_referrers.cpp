// Referrers of what a conversion replaced. Converting a manifest changes its digest (and that of
// every nested index above it), so a referrer naming the old digest as its `subject` (a notation
// or cosign signature, an SBOM) no longer applies to the result. Such a referrer is kept as it
// is and reported, or left out with drop_referrers; its `subject` is never rewritten, because a
// signature covers the old digest.
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "convert_internal.h"
#include "json_exact.h"
#include "ociwasm/finding_codes.h"
#include "validate_internal.h"

namespace ociwasm::detail {

std::set<std::string> Converter::indexed(const rapidjson::Value& index, bool output) const {
    std::set<std::string> out;
    collect_reachable(index, output, 0, out, true);
    return out;
}

std::string Converter::rewritten_as(const std::string& digest, std::string_view& kind) const {
    for (const ManifestPlan& m : result_.manifests) {
        if (m.converted && m.old_digest == digest) {
            kind = "manifest";
            return m.new_digest;
        }
    }
    for (std::string_view scope : {"+", "-"}) {
        auto it = index_memo_.find(digest + std::string(scope));
        if (it != index_memo_.end() && it->second.changed) {
            kind = "index";
            return it->second.digest;
        }
    }
    kind = "manifest or index";
    return {};
}

// A referrer is stale when its subject was a document of the input (index.json reached it) and
// is not one of the output, while the referrer itself is still there. A subject that another
// entry still names (--ref converted only one of two) is not stale; a referrer whose subject was
// never in the layout was not made stale by the conversion.
Status Converter::settle_referrers(rapidjson::Document& index, bool& changed) {
    if (referrers_.empty()) return Status::ok();
    rapidjson::Document original;
    parse_json(*scan_.index_json, original, nullptr);
    const std::set<std::string> before = indexed(original, false);
    std::set<std::string> after = indexed(index, true);
    std::set<std::string> stale;
    for (const Referrer& referrer : referrers_.all()) {
        if (before.contains(referrer.subject) && !after.contains(referrer.subject) &&
            after.contains(referrer.digest)) {
            stale.insert(referrer.digest);
        }
    }
    if (options_.drop_referrers && !stale.empty()) {
        // The walk again, from the input's index.json, leaving the stale referrers out (and
        // what refers to them). Manifests are converted once (memoized); nested indexes are
        // walked again, since what they hold changes.
        dropped_ = referrers_.with_referrers(stale);
        JsonError error;
        if (!parse_json_exact(*scan_.index_json, index, &error)) {
            return Status::invalid(source_.name() + ": index.json: " + error.message);
        }
        result_.manifests.clear();
        index_memo_.clear();
        changed = false;
        if (Status status =
                walk_index(index, index.GetAllocator(), "index.json", true, true, 0, changed);
            !status) {
            return status;
        }
        after = indexed(index, true);
    }
    report_stale_referrers(before, after);
    return Status::ok();
}

void Converter::report_stale_referrers(const std::set<std::string>& before,
                                       const std::set<std::string>& after) {
    for (const Referrer& referrer : referrers_.all()) {
        bool dropped = dropped_.contains(referrer.digest);
        if (!dropped && !(before.contains(referrer.subject) && !after.contains(referrer.subject) &&
                          after.contains(referrer.digest))) {
            continue;
        }
        StaleReferrer stale;
        stale.location = referrer.location;
        stale.digest = referrer.digest;
        stale.media_type = referrer.media_type;
        stale.size = referrer.size;
        stale.artifact_type = referrer.artifact_type;
        stale.subject = referrer.subject;
        std::string_view kind;
        stale.subject_now = rewritten_as(referrer.subject, kind);
        stale.dropped = dropped;
        if (!dropped) {
            std::string type =
                referrer.artifact_type.empty() ? "no artifactType" : referrer.artifact_type;
            result_.findings.warning(
                codes::kConvertReferrerStale,
                "referrer " + referrer.digest + " (" + type + ") of the converted " +
                    std::string(kind) + " " + referrer.subject + " no longer applies" +
                    (stale.subject_now.empty() ? std::string()
                                               : " (it is now " + stale.subject_now + ")") +
                    "; kept unchanged, --drop-referrers leaves it out",
                blob_path(referrer.digest), "/subject", referrer.digest);
        }
        result_.stale_referrers.push_back(std::move(stale));
    }
}

}  // namespace ociwasm::detail
