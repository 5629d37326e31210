#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/layout.h"
#include "test_support.h"

namespace ociwasm {
namespace {

using testing::pseudo_random_bytes;
using testing::TempDir;
using testing::write_file;

enum class EntryKind { file, directory, symlink, hardlink, char_device, block_device, fifo };
enum class Compression { none, gzip, zstd, xz };

struct TarEntry {
    std::string name;
    std::string data;
    EntryKind kind = EntryKind::file;
    std::string link;  // symlink or hardlink target
};

TarEntry file_entry(std::string name, std::string data) {
    return TarEntry{std::move(name), std::move(data), EntryKind::file, {}};
}
TarEntry link_entry(EntryKind kind, std::string name, std::string target) {
    return TarEntry{std::move(name), {}, kind, std::move(target)};
}

la_ssize_t append_to_string(archive*, void* client, const void* buffer, std::size_t size) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
}

// Writes `entries` as a tar with libarchive's writer, exactly as given: the writer does not
// sanitize names, so hostile entries come out as written.
std::string make_tar(const std::vector<TarEntry>& entries,
                     Compression compression = Compression::none, bool ustar = false) {
    std::string out;
    archive* writer = archive_write_new();
    if (ustar) {
        archive_write_set_format_ustar(writer);
    } else {
        archive_write_set_format_pax_restricted(writer);
    }
    switch (compression) {
        case Compression::none:
            break;
        case Compression::gzip:
            archive_write_add_filter_gzip(writer);
            break;
        case Compression::zstd:
            archive_write_add_filter_zstd(writer);
            break;
        case Compression::xz:
            archive_write_add_filter_xz(writer);
            break;
    }
    archive_write_set_bytes_in_last_block(writer, 1);
    EXPECT_EQ(archive_write_open(writer, &out, nullptr, append_to_string, nullptr), ARCHIVE_OK)
        << archive_error_string(writer);
    for (const TarEntry& item : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, item.name.c_str());
        archive_entry_set_mtime(entry, 0, 0);
        archive_entry_set_perm(entry, 0644);
        switch (item.kind) {
            case EntryKind::file:
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_size(entry, static_cast<la_int64_t>(item.data.size()));
                break;
            case EntryKind::directory:
                archive_entry_set_filetype(entry, AE_IFDIR);
                archive_entry_set_perm(entry, 0755);
                break;
            case EntryKind::symlink:
                archive_entry_set_filetype(entry, AE_IFLNK);
                archive_entry_set_symlink(entry, item.link.c_str());
                break;
            case EntryKind::hardlink:
                // As libarchive writes them: a size-0 entry naming an earlier one.
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_hardlink(entry, item.link.c_str());
                archive_entry_set_size(entry, 0);
                break;
            case EntryKind::char_device:
                archive_entry_set_filetype(entry, AE_IFCHR);
                archive_entry_set_rdev(entry, makedev(1, 3));
                break;
            case EntryKind::block_device:
                archive_entry_set_filetype(entry, AE_IFBLK);
                archive_entry_set_rdev(entry, makedev(8, 0));
                break;
            case EntryKind::fifo:
                archive_entry_set_filetype(entry, AE_IFIFO);
                break;
        }
        EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK) << archive_error_string(writer);
        if (item.kind == EntryKind::file && !item.data.empty()) {
            EXPECT_EQ(archive_write_data(writer, item.data.data(), item.data.size()),
                      static_cast<la_ssize_t>(item.data.size()));
        }
        archive_entry_free(entry);
    }
    EXPECT_EQ(archive_write_close(writer), ARCHIVE_OK) << archive_error_string(writer);
    archive_write_free(writer);
    return out;
}

std::string sha256_path(std::string_view bytes) {
    return "blobs/sha256/" + sha256_hex(bytes);
}
std::string sha512_path(std::string_view bytes) {
    return "blobs/sha512/" + sha512_hex(bytes);
}

ScanOptions small_limits() {
    ScanOptions options;
    options.keep_limit = 64 * 1024;
    options.json_keep_limit = 1024 * 1024;
    return options;
}

// One layout, several kinds of blob, and the same bytes in tar entry form.
struct Sample {
    std::string oci_layout = R"({"imageLayoutVersion":"1.0.0"})";
    std::string index = R"({"schemaVersion":2,"manifests":[]})";
    std::string config = R"({"architecture":"wasm","os":"wasip1"})";
    std::string large = pseudo_random_bytes(300 * 1024, 7);  // above keep_limit
    std::string large_json = "\n[\"" + std::string(100 * 1024, 'j') + "\"]";
    std::string unknown_path = "blobs/blake3/" + sha256_hex("b3");

    // Path -> bytes, as a directory would hold them. The config also lives under sha512.
    std::map<std::string, std::string> files() const {
        return {{"oci-layout", oci_layout},    {"index.json", index},
                {sha256_path(config), config}, {sha512_path(config), config},
                {sha256_path(large), large},   {sha256_path(large_json), large_json},
                {unknown_path, "b3"}};
    }

    // Awkward but valid: "./" names, blobs on both sides of index.json, directory entries, a
    // hardlink for the sha512 copy, a Docker manifest.json and a legacy symlink.
    std::vector<TarEntry> entries() const {
        return {
            TarEntry{"./", {}, EntryKind::directory, {}},
            TarEntry{"./blobs/", {}, EntryKind::directory, {}},
            TarEntry{"./blobs/sha256/", {}, EntryKind::directory, {}},
            file_entry("./blobs/sha256/" + sha256_hex(config), config),
            file_entry(sha256_path(large), large),
            file_entry("./oci-layout", oci_layout),
            file_entry("index.json", index),
            file_entry("manifest.json", "[{\"Config\":\"x\"}]"),
            link_entry(EntryKind::symlink, "legacy/layer.tar", "../" + sha256_path(large)),
            link_entry(EntryKind::hardlink, "./" + sha512_path(config),
                       "blobs/sha256/" + sha256_hex(config)),
            file_entry("./" + sha256_path(large_json), large_json),
            file_entry(unknown_path, "b3"),
        };
    }
};

void expect_same_scan(const LayoutScan& expected, const LayoutScan& actual,
                      const std::string& what) {
    SCOPED_TRACE(what);
    for (const Finding& finding : actual.findings.all()) {
        ADD_FAILURE() << "unexpected finding " << finding.code << ": " << finding.message;
    }
    EXPECT_EQ(expected.oci_layout, actual.oci_layout);
    EXPECT_EQ(expected.index_json, actual.index_json);
    ASSERT_EQ(expected.blobs.size(), actual.blobs.size());
    for (const BlobRecord& want : expected.blobs) {
        std::string key = want.digest();
        const BlobRecord* got = actual.find(key);
        ASSERT_NE(got, nullptr) << key;
        EXPECT_EQ(got->path(), want.path());
        EXPECT_EQ(got->algorithm(), want.algorithm());
        EXPECT_EQ(got->encoded(), want.encoded());
        EXPECT_EQ(got->size, want.size) << key;
        EXPECT_EQ(got->hashed(), want.hashed()) << key;
        EXPECT_EQ(got->computed(), want.computed()) << key;
        EXPECT_EQ(got->content != nullptr, want.content != nullptr) << key;
        if (got->content && want.content) {
            EXPECT_EQ(*got->content, *want.content) << key;
        }
    }
}

Status scan_tar_file(const std::filesystem::path& file, const ScanOptions& options,
                     LayoutScan& out) {
    return make_tar_source(file.string())->scan(options, out);
}

// Feeds `bytes` to a scan of "-" through a real pipe on fd 0, restoring stdin afterwards.
Status scan_stdin(const std::string& bytes, const ScanOptions& options, LayoutScan& out) {
    std::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    if (::pipe(fds) != 0) return Status::io_error("pipe failed");
    std::thread writer([&bytes, fd = fds[1]] {
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::close(fd);
    });
    int saved_stdin = ::dup(STDIN_FILENO);
    ::dup2(fds[0], STDIN_FILENO);
    ::close(fds[0]);
    auto source = make_tar_source("-");
    EXPECT_FALSE(source->can_reread());
    Status status = source->scan(options, out);
    ::dup2(saved_stdin, STDIN_FILENO);
    ::close(saved_stdin);
    writer.join();
    return status;
}

std::optional<Finding> find_code(const LayoutScan& scan, std::string_view code) {
    for (const Finding& finding : scan.findings.all()) {
        if (finding.code == code) return finding;
    }
    return std::nullopt;
}

TEST(TarSource, SameLayoutReadsIdenticallyFromEveryContainer) {
    TempDir dir;
    Sample sample;
    for (const auto& [path, bytes] : sample.files()) write_file(dir / "layout" / path, bytes);
    ScanOptions options = small_limits();
    LayoutScan expected;
    ASSERT_TRUE(make_directory_source((dir / "layout").string())->scan(options, expected));
    ASSERT_EQ(expected.blobs.size(), 5u);
    EXPECT_TRUE(expected.findings.empty());
    EXPECT_FALSE(expected.find(sha256_digest(sample.large))->content);
    EXPECT_TRUE(expected.find(sha256_digest(sample.large_json))->content);
    EXPECT_EQ(expected.find("sha512:" + sha512_hex(sample.config))->computed(),
              sha512_hex(sample.config));

    LayoutScan memory;
    ASSERT_TRUE(make_memory_source("memory", sample.files())->scan(options, memory));
    expect_same_scan(expected, memory, "memory");

    const std::pair<Compression, const char*> kinds[] = {{Compression::none, "layout.tar"},
                                                         {Compression::gzip, "layout.tar.gz"},
                                                         {Compression::zstd, "layout.tar.zst"},
                                                         {Compression::xz, "layout.tar.xz"}};
    for (const auto& [compression, file] : kinds) {
        std::string tar = make_tar(sample.entries(), compression);
        write_file(dir / file, tar);
        LayoutScan from_file;
        Status status = scan_tar_file(dir / file, options, from_file);
        ASSERT_TRUE(status) << status.message();
        expect_same_scan(expected, from_file, file);

        LayoutScan from_pipe;
        status = scan_stdin(tar, options, from_pipe);
        ASSERT_TRUE(status) << status.message();
        expect_same_scan(expected, from_pipe, std::string("stdin ") + file);
    }

    // A descriptor the source owns (the internal constructor) behaves like stdin.
    std::string tar = make_tar(sample.entries(), Compression::gzip);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&tar, fd = fds[1]] {
        EXPECT_EQ(::write(fd, tar.data(), tar.size()), static_cast<ssize_t>(tar.size()));
        ::close(fd);
    });
    auto source = detail::make_tar_source_from_fd(fds[0], "pipe");
    LayoutScan from_fd;
    ASSERT_TRUE(source->scan(options, from_fd));
    writer.join();
    expect_same_scan(expected, from_fd, "fd");
    LayoutScan again;
    EXPECT_EQ(source->scan(options, again).code(), Status::Code::usage);
}

TEST(TarSource, ObserverSeesBlobsInArchiveOrder) {
    struct Observer : BlobObserver {
        bool begin_blob(const BlobRecord& blob, std::uint64_t) override {
            order.push_back(blob.path());
            return true;
        }
        Status blob_data(const char* data, std::size_t size) override {
            bytes[order.back()].append(data, size);
            return Status::ok();
        }
        Status end_blob(const BlobRecord& blob) override {
            EXPECT_EQ(blob.path(), order.back());
            EXPECT_EQ(blob.size, bytes[blob.path()].size());
            return Status::ok();
        }
        std::vector<std::string> order;
        std::map<std::string, std::string> bytes;
    } observer;
    TempDir dir;
    Sample sample;
    write_file(dir / "l.tar", make_tar(sample.entries()));
    ScanOptions options = small_limits();
    options.observer = &observer;
    LayoutScan scan;
    ASSERT_TRUE(scan_tar_file(dir / "l.tar", options, scan));
    EXPECT_EQ(observer.order,
              (std::vector<std::string>{sha256_path(sample.config), sha256_path(sample.large),
                                        sha512_path(sample.config), sha256_path(sample.large_json),
                                        sample.unknown_path}));
    EXPECT_EQ(observer.bytes[sha256_path(sample.large)], sample.large);
    EXPECT_EQ(observer.bytes[sha512_path(sample.config)], sample.config)
        << "a hardlink to kept bytes is replayed to the observer";
}

TEST(TarSource, ReadBlobAndLoadBlobReadTheFileAgain) {
    TempDir dir;
    Sample sample;
    write_file(dir / "l.tar.gz", make_tar(sample.entries(), Compression::gzip));
    auto source = make_tar_source((dir / "l.tar.gz").string());
    EXPECT_TRUE(source->can_reread());
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));

    std::string out;
    ASSERT_TRUE(load_blob(*source, scan, sha256_digest(sample.large), out));
    EXPECT_EQ(out, sample.large);

    std::string linked;
    ASSERT_TRUE(source->read_blob(sha512_path(sample.config), [&](const char* d, std::size_t n) {
        linked.append(d, n);
        return Status::ok();
    }));
    EXPECT_EQ(linked, sample.config) << "read_blob follows the hardlink to its target";

    Status missing = source->read_blob("blobs/sha256/" + sha256_hex("none"),
                                       [](const char*, std::size_t) { return Status::ok(); });
    EXPECT_FALSE(missing);
    EXPECT_NE(missing.message().find("l.tar.gz"), std::string::npos);
}

TEST(TarSource, LoadBlobFromStdinNeedsKeptContent) {
    Sample sample;
    std::string tar = make_tar(sample.entries());
    LayoutScan scan;
    ASSERT_TRUE(scan_stdin(tar, small_limits(), scan));
    auto source = make_tar_source("-");
    std::string out;
    ASSERT_TRUE(load_blob(*source, scan, sha256_digest(sample.config), out));
    EXPECT_EQ(out, sample.config);
    Status status = load_blob(*source, scan, sha256_digest(sample.large), out);
    EXPECT_FALSE(status);
    EXPECT_NE(status.message().find(sha256_digest(sample.large)), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("cannot be read again"), std::string::npos);
}

TEST(TarSource, HardlinkToLargeBlobUnderAnotherAlgorithm) {
    TempDir dir;
    std::string large = pseudo_random_bytes(150 * 1024, 3);
    std::vector<TarEntry> entries = {
        file_entry(sha256_path(large), large),
        link_entry(EntryKind::hardlink, sha512_path(large), sha256_path(large)),
        link_entry(EntryKind::hardlink, "blobs/sha256/" + sha256_hex("other"), sha512_path(large)),
    };
    std::string tar = make_tar(entries);
    write_file(dir / "l.tar", tar);
    LayoutScan scan;
    ASSERT_TRUE(scan_tar_file(dir / "l.tar", small_limits(), scan));
    EXPECT_TRUE(scan.findings.empty());
    const BlobRecord* sha512 = scan.find("sha512:" + sha512_hex(large));
    ASSERT_NE(sha512, nullptr);
    EXPECT_TRUE(sha512->hashed());
    EXPECT_EQ(sha512->computed(), sha512_hex(large)) << "re-read after the pass";
    EXPECT_EQ(sha512->size, large.size());
    const BlobRecord* chained = scan.find(sha256_digest("other"));
    ASSERT_NE(chained, nullptr);
    EXPECT_EQ(chained->computed(), sha256_hex(large)) << "a link to a link reaches the bytes";
    EXPECT_FALSE(chained->matches());

    LayoutScan streamed;
    ASSERT_TRUE(scan_stdin(tar, small_limits(), streamed));
    std::optional<Finding> warning = find_code(streamed, "TAR-LINK-UNVERIFIED");
    ASSERT_NE(warning, std::nullopt);
    EXPECT_EQ(warning->severity, Severity::warning);
    EXPECT_EQ(warning->file, sha512_path(large));
    EXPECT_FALSE(streamed.find("sha512:" + sha512_hex(large))->hashed());
}

// An uncompressed tar file reads its blobs again from the file it scanned, by offset: renaming
// or replacing the name afterwards changes nothing.
TEST(TarSource, StoredEntriesAreReadAgainFromTheFileScanned) {
    TempDir dir;
    std::string small = pseudo_random_bytes(1000, 6);
    write_file(dir / "l.tar", make_tar({file_entry(sha256_path(small), small)}));
    auto source = make_tar_source((dir / "l.tar").string());
    ScanOptions options = small_limits();
    options.rereadable_kept_budget = 0;
    LayoutScan scan;
    ASSERT_TRUE(source->scan(options, scan));
    ASSERT_FALSE(scan.find(sha256_digest(small))->content);
    std::filesystem::rename(dir / "l.tar", dir / "moved.tar");
    write_file(dir / "l.tar", "not the tar scanned");
    std::string out;
    Status status = load_blob(*source, scan, sha256_digest(small), out);
    ASSERT_TRUE(status) << status.message();
    EXPECT_EQ(out, small);
}

// On a stream, a hardlink under another algorithm to a blob the pass moved to its spill file is
// hashed from there after the pass; without a spill file it cannot be.
TEST(TarSource, StreamHashesAHardlinkToASpilledBlob) {
    std::string small = pseudo_random_bytes(1000, 4);
    std::string tar = make_tar({
        file_entry(sha256_path(small), small),
        link_entry(EntryKind::hardlink, sha512_path(small), sha256_path(small)),
    });
    ScanOptions options = small_limits();
    options.kept_budget = 0;
    options.rereadable_kept_budget = 0;
    options.spill_budget = kMiB;
    LayoutScan spilled;
    ASSERT_TRUE(scan_stdin(tar, options, spilled));
    EXPECT_TRUE(spilled.findings.empty()) << spilled.findings.all().front().message;
    const BlobRecord* sha512 = spilled.find("sha512:" + sha512_hex(small));
    ASSERT_NE(sha512, nullptr);
    EXPECT_TRUE(sha512->hashed() && sha512->matches());
    EXPECT_FALSE(sha512->content);

    options.spill_budget = 0;
    LayoutScan streamed;
    ASSERT_TRUE(scan_stdin(tar, options, streamed));
    EXPECT_NE(find_code(streamed, "TAR-LINK-UNVERIFIED"), std::nullopt);
}

// A minimal valid layout plus extra entries.
std::vector<TarEntry> layout_with(std::vector<TarEntry> extra) {
    std::vector<TarEntry> entries = {
        file_entry("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"),
        file_entry("index.json", R"({"schemaVersion":2,"manifests":[]})"),
        file_entry(sha256_path("good"), "good"),
    };
    entries.insert(entries.end(), extra.begin(), extra.end());
    return entries;
}

struct HostileCase {
    const char* what;
    std::vector<TarEntry> extra;
    const char* code;
    std::string file;  // the entry as written, which the finding must name
};

TEST(TarSource, RejectsEachHostileEntryWithItsOwnCode) {
    std::string victim = sha256_path("victim");
    const HostileCase cases[] = {
        {"absolute path", {file_entry("/" + victim, "victim")}, "TAR-ABSOLUTE-PATH", "/" + victim},
        {"dot-dot",
         {file_entry("blobs/../../etc/passwd", "x")},
         "TAR-PATH-TRAVERSAL",
         "blobs/../../etc/passwd"},
        {"dot-dot inside",
         {file_entry("blobs/sha256/../../index.json", "x")},
         "TAR-PATH-TRAVERSAL",
         "blobs/sha256/../../index.json"},
        {"symlink escape",
         {link_entry(EntryKind::symlink, "etc", "../../etc")},
         "TAR-LINK-ESCAPE",
         "etc"},
        {"absolute symlink",
         {link_entry(EntryKind::symlink, victim, "/etc/passwd")},
         "TAR-LINK-ESCAPE",
         victim},
        {"symlinked blob inside",
         {link_entry(EntryKind::symlink, victim, "../../index.json")},
         "TAR-LINK-ESCAPE",
         victim},
        {"entry beneath a symlink",
         {link_entry(EntryKind::symlink, "evil", "blobs"), file_entry("evil/sha256/x", "x")},
         "TAR-LINK-ESCAPE",
         "evil/sha256/x"},
        {"hardlink escape",
         {link_entry(EntryKind::hardlink, victim, "../outside")},
         "TAR-LINK-ESCAPE",
         victim},
        {"absolute hardlink",
         {link_entry(EntryKind::hardlink, victim, "/etc/shadow")},
         "TAR-LINK-ESCAPE",
         victim},
        {"hardlink to nothing",
         {link_entry(EntryKind::hardlink, victim, "blobs/sha256/none")},
         "TAR-LINK-ESCAPE",
         victim},
        {"char device",
         {TarEntry{"dev/null", {}, EntryKind::char_device, {}}},
         "TAR-SPECIAL-FILE",
         "dev/null"},
        {"block device",
         {TarEntry{victim, {}, EntryKind::block_device, {}}},
         "TAR-SPECIAL-FILE",
         victim},
        {"fifo", {TarEntry{"./fifo", {}, EntryKind::fifo, {}}}, "TAR-SPECIAL-FILE", "./fifo"},
        {"duplicate blob",
         {file_entry("./" + sha256_path("good"), "evil")},
         "TAR-DUPLICATE-ENTRY",
         "./" + sha256_path("good")},
        {"duplicate index",
         {file_entry("./index.json", "{}")},
         "TAR-DUPLICATE-ENTRY",
         "./index.json"},
        {"bad blob name",
         {file_entry("blobs/sha256/NOTHEX", "x")},
         "OCI-BLOB-NAME",
         "blobs/sha256/NOTHEX"},
        {"nested blob name",
         {file_entry("blobs/sha256/a/b", "x")},
         "OCI-BLOB-NAME",
         "blobs/sha256/a/b"},
    };
    TempDir dir;
    for (const HostileCase& item : cases) {
        SCOPED_TRACE(item.what);
        write_file(dir / "hostile.tar", make_tar(layout_with(item.extra)));
        LayoutScan scan;
        Status status = scan_tar_file(dir / "hostile.tar", ScanOptions{}, scan);
        ASSERT_TRUE(status) << status.message();
        ASSERT_EQ(scan.findings.size(), 1u);
        const Finding finding = scan.findings.all().front();
        EXPECT_EQ(finding.code, item.code) << finding.message;
        EXPECT_EQ(finding.severity, Severity::error);
        EXPECT_EQ(finding.file, item.file);
        EXPECT_NE(finding.message.find(item.file), std::string::npos) << finding.message;
        EXPECT_NE(finding.message.find("expected"), std::string::npos) << finding.message;
        // The hostile entry never becomes part of the layout.
        const BlobRecord* good = scan.find(sha256_digest("good"));
        ASSERT_NE(good, nullptr);
        ASSERT_NE(good->content, nullptr);
        EXPECT_EQ(*good->content, "good");
        EXPECT_EQ(scan.find(sha256_digest("victim")), nullptr);
        EXPECT_EQ(scan.index_json,
                  std::optional<std::string>(R"({"schemaVersion":2,"manifests":[]})"));
    }
}

TEST(TarSource, AcceptsHarmlessRepeatsAndLinks) {
    std::string large = pseudo_random_bytes(100 * 1024, 9);
    std::vector<TarEntry> extra = {
        file_entry("./" + sha256_path("good"), "good"),  // same bytes twice is fine
        file_entry(sha256_path(large), large),
        file_entry("./" + sha256_path(large), large),
        file_entry("index.json", R"({"schemaVersion":2,"manifests":[]})"),
        link_entry(EntryKind::symlink, "latest", "index.json"),
        link_entry(EntryKind::hardlink, "copy-of-index", "index.json"),
        file_entry("repositories", "{}"),
    };
    TempDir dir;
    write_file(dir / "ok.tar", make_tar(layout_with(extra)));
    LayoutScan scan;
    ASSERT_TRUE(scan_tar_file(dir / "ok.tar", small_limits(), scan));
    for (const Finding& finding : scan.findings.all()) {
        ADD_FAILURE() << finding.code << ": " << finding.message;
    }
    EXPECT_EQ(scan.blobs.size(), 2u);
    EXPECT_EQ(scan.find(sha256_digest(large))->computed(), sha256_hex(large));
}

TEST(TarSource, DuplicateLargeBlobWithDifferentBytesIsRejected) {
    std::string large = pseudo_random_bytes(100 * 1024, 9);
    std::string tampered = large;
    tampered[50000] ^= 1;
    TempDir dir;
    write_file(dir / "dup.tar", make_tar(layout_with({file_entry(sha256_path(large), large),
                                                      file_entry(sha256_path(large), tampered)})));
    LayoutScan scan;
    ASSERT_TRUE(scan_tar_file(dir / "dup.tar", small_limits(), scan));
    std::optional<Finding> finding = find_code(scan, "TAR-DUPLICATE-ENTRY");
    ASSERT_NE(finding, std::nullopt);
    EXPECT_EQ(finding->digest, sha256_digest(large));
    EXPECT_EQ(scan.find(sha256_digest(large))->computed(), sha256_hex(large)) << "first one stays";
}

TEST(TarSource, UnknownAlgorithmIsRecordedUnhashed) {
    TempDir dir;
    std::string path = "blobs/blake3/" + std::string(64, 'a');
    write_file(dir / "u.tar", make_tar(layout_with({file_entry(path, "bytes")})));
    LayoutScan scan;
    ASSERT_TRUE(scan_tar_file(dir / "u.tar", ScanOptions{}, scan));
    EXPECT_TRUE(scan.findings.empty());
    const BlobRecord* record = scan.find("blake3:" + std::string(64, 'a'));
    ASSERT_NE(record, nullptr);
    EXPECT_FALSE(record->hashed());
    EXPECT_EQ(record->size, 5u);
    ASSERT_NE(record->content, nullptr);
    EXPECT_EQ(*record->content, "bytes");
}

// Data regions [begin, end) of each entry in a ustar archive, from a reading pass.
std::vector<std::pair<std::size_t, std::size_t>> data_regions(const std::string& tar) {
    std::vector<std::pair<std::size_t, std::size_t>> regions;
    archive* reader = archive_read_new();
    archive_read_support_format_tar(reader);
    EXPECT_EQ(archive_read_open_memory(reader, tar.data(), tar.size()), ARCHIVE_OK);
    archive_entry* entry = nullptr;
    while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
        auto header = static_cast<std::size_t>(archive_read_header_position(reader));
        auto size = static_cast<std::size_t>(archive_entry_size(entry));
        if (size > 0) regions.emplace_back(header + 512, header + 512 + size);
    }
    archive_read_free(reader);
    return regions;
}

TEST(TarSource, TruncationNeverPassesSilently) {
    std::string large = pseudo_random_bytes(5000, 11);
    std::vector<TarEntry> entries = layout_with(
        {file_entry(sha256_path(large), large), file_entry(sha256_path("tail"), "tail")});
    std::string tar = make_tar(entries, Compression::none, /*ustar=*/true);
    auto regions = data_regions(tar);
    ASSERT_EQ(regions.size(), 5u);
    std::map<std::string, std::string> expected;
    for (const TarEntry& entry : entries) expected[entry.name] = entry.data;

    TempDir dir;
    int truncated_findings = 0;
    for (std::size_t cut = 0; cut < tar.size(); cut += 512) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        write_file(dir / "cut.tar", tar.substr(0, cut));
        LayoutScan scan;
        Status status = scan_tar_file(dir / "cut.tar", small_limits(), scan);
        if (!status) {
            EXPECT_EQ(status.code(), Status::Code::unreadable);
            EXPECT_NE(status.message().find("cut.tar"), std::string::npos);
            continue;
        }
        bool inside_data = false;
        for (auto [begin, end] : regions) inside_data |= cut >= begin && cut < end;
        std::optional<Finding> finding = find_code(scan, "TAR-TRUNCATED");
        if (inside_data) {
            ASSERT_NE(finding, std::nullopt) << "blob data was cut";
        }
        if (finding != std::nullopt) {
            ++truncated_findings;
            EXPECT_EQ(finding->severity, Severity::error);
        }
        // Whatever was recorded is whole: never a silently short blob.
        for (const BlobRecord& record : scan.blobs) {
            std::string key = record.digest();
            EXPECT_TRUE(record.matches()) << key;
            EXPECT_EQ(record.size, expected.at(record.path()).size()) << key;
        }
    }
    EXPECT_GT(truncated_findings, 5);

    // Compressed input cut in the middle fails the same way.
    std::string gz = make_tar(entries, Compression::gzip);
    write_file(dir / "cut.tar.gz", gz.substr(0, gz.size() / 2));
    LayoutScan scan;
    Status status = scan_tar_file(dir / "cut.tar.gz", small_limits(), scan);
    EXPECT_TRUE(!status || find_code(scan, "TAR-TRUNCATED") != std::nullopt);
}

TEST(TarSource, ReportsUnreadableInput) {
    TempDir dir;
    write_file(dir / "text.tar", "this is plainly not a tar archive\n");
    LayoutScan scan;
    Status status = scan_tar_file(dir / "text.tar", ScanOptions{}, scan);
    EXPECT_EQ(status.code(), Status::Code::unreadable);
    EXPECT_NE(status.message().find("text.tar"), std::string::npos) << status.message();

    status = scan_tar_file(dir / "absent.tar", ScanOptions{}, scan);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_NE(status.message().find("absent.tar"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace ociwasm
