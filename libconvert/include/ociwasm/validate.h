// Validation of a whole layout or of one bare JSON document.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/finding.h"
#include "ociwasm/layout.h"
#include "ociwasm/progress.h"
#include "ociwasm/spin.h"
#include "ociwasm/status.h"

namespace ociwasm {

struct ValidateOptions {
    bool verify_blobs = true;          // hash blobs; false skips hashing (sizes are still checked)
    unsigned threads = 0;              // for directory hashing; 0 = hardware concurrency
    ScanProgress* progress = nullptr;  // when set, told how many blob bytes the pass read
};

// One manifest reached from index.json (directly or through nested indexes).
struct ManifestEntry {
    std::string digest;
    std::string ref_name;       // org.opencontainers.image.ref.name on its index.json descriptor
    std::string file;           // "blobs/sha256/<hex>"
    std::string index_pointer;  // pointer of its descriptor, e.g. "/manifests/0" in index.json
    ManifestFormat format = ManifestFormat::unknown;
};

// The manifests reached, in the order reached. Like Findings, held as compact records of which
// only about 1 MiB stay in memory (an index may list a million descriptors).
class ManifestEntries {
  public:
    ManifestEntries();
    ~ManifestEntries();
    ManifestEntries(const ManifestEntries& other);
    ManifestEntries& operator=(const ManifestEntries& other);
    ManifestEntries(ManifestEntries&& other) noexcept;
    ManifestEntries& operator=(ManifestEntries&& other) noexcept;

    void push_back(const ManifestEntry& entry);
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    // Visits the entries in order; the entry is valid only during its call.
    void for_each(const std::function<void(const ManifestEntry&)>& visit) const;
    // Every entry, copied into a vector: for tests and sets known to be small.
    std::vector<ManifestEntry> all() const;

  private:
    struct Store;
    std::unique_ptr<Store> store_;  // null until the first entry
};

struct ValidationResult {
    Findings findings;
    ManifestEntries manifests;
    // Distinct formats detected, in first-seen order (for the json output's "formats").
    std::vector<ManifestFormat> formats;
    bool valid() const { return !findings.has_errors(); }
};

enum class DocumentKind { manifest, index, config, descriptor, layout, lockfile };

// Scans `source` (one pass) and validates everything. A non-ok Status means the input could
// not be read at all; everything else is a finding.
Status validate_layout(LayoutSource& source, const ValidateOptions& options,
                       ValidationResult& result);

// Validates a layout already scanned (the converter scans with a BlobObserver attached).
void validate_scan(LayoutSource& source, const LayoutScan& scan, const ValidateOptions& options,
                   ValidationResult& result);

// Validates one bare JSON document (`--as`): schema plus the rules that need no other blob.
// `name` is used as the finding's file.
void validate_document(DocumentKind kind, std::string_view bytes, std::string_view name,
                       ValidationResult& result);

}  // namespace ociwasm
