// ManifestEntries (ociwasm/validate.h): the manifests a validation reached, as records of a
// RecordLog, so that an index of a million descriptors does not hold a million entries.
#include <string>
#include <utility>

#include "ociwasm/validate.h"
#include "record_log.h"

namespace ociwasm {

struct ManifestEntries::Store {
    detail::RecordLog log;
    std::string scratch;
};

ManifestEntries::ManifestEntries() = default;
ManifestEntries::~ManifestEntries() = default;
ManifestEntries::ManifestEntries(ManifestEntries&& other) noexcept = default;
ManifestEntries& ManifestEntries::operator=(ManifestEntries&& other) noexcept = default;

ManifestEntries::ManifestEntries(const ManifestEntries& other) {
    other.for_each([&](const ManifestEntry& entry) { push_back(entry); });
}

ManifestEntries& ManifestEntries::operator=(const ManifestEntries& other) {
    if (this != &other) {
        store_.reset();
        other.for_each([&](const ManifestEntry& entry) { push_back(entry); });
    }
    return *this;
}

void ManifestEntries::push_back(const ManifestEntry& entry) {
    if (!store_) store_ = std::make_unique<Store>();
    std::string& record = store_->scratch;
    record.clear();
    detail::put_number(record, static_cast<std::uint64_t>(entry.format));
    for (const std::string* text :
         {&entry.digest, &entry.ref_name, &entry.file, &entry.index_pointer}) {
        detail::put_text(record, *text);
    }
    store_->log.append(record);
}

std::size_t ManifestEntries::size() const {
    return store_ ? store_->log.size() : 0;
}

void ManifestEntries::for_each(const std::function<void(const ManifestEntry&)>& visit) const {
    if (!store_) return;
    ManifestEntry entry;
    store_->log.visit([&](std::string_view record) {
        entry.format = static_cast<ManifestFormat>(detail::take_number(record));
        for (std::string* text :
             {&entry.digest, &entry.ref_name, &entry.file, &entry.index_pointer}) {
            detail::take_text(record, *text);
        }
        visit(entry);
        return true;
    });
}

std::vector<ManifestEntry> ManifestEntries::all() const {
    std::vector<ManifestEntry> out;
    for_each([&](const ManifestEntry& entry) { out.push_back(entry); });
    return out;
}

}  // namespace ociwasm
