#include "temporary_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>

#include "io_buffer.h"
#include "ociwasm/layout.h"
#include "test_support.h"

namespace ociwasm::detail {
namespace {

using testing::pseudo_random_bytes;

// The `size` bytes at `offset` of `spill`, as read() gives them.
std::string read_back(const SpillFile& spill, std::uint64_t offset, std::uint64_t size) {
    std::string out;
    Status status = spill.read(offset, size, "blob", [&out](const char* data, std::size_t n) {
        out.append(data, n);
        return Status::ok();
    });
    EXPECT_TRUE(status) << status.message();
    return out;
}

TEST(SpillFile, GivesBackEachPieceAtItsOffsetAcrossItsBuffer) {
    auto spill = SpillFile::create(16 * kMiB);
    ASSERT_NE(spill, nullptr);
    // Pieces of 100 KiB and one of 700 KiB: the 256 KiB buffer is written out after the third
    // and after the large one, and the last stays buffered until finish_writing.
    std::string pieces[5] = {pseudo_random_bytes(100 * 1024, 1), pseudo_random_bytes(100 * 1024, 2),
                             pseudo_random_bytes(100 * 1024, 3), pseudo_random_bytes(700 * 1024, 4),
                             pseudo_random_bytes(100 * 1024, 5)};
    std::uint64_t offsets[5] = {};
    for (int i = 0; i < 5; ++i) {
        offsets[i] = spill->end();
        ASSERT_TRUE(spill->append(pieces[i].data(), pieces[i].size()));
    }
    EXPECT_EQ(spill->end(), 1100u * 1024);
    spill->finish_writing();
    for (int i = 4; i >= 0; --i) {
        EXPECT_EQ(read_back(*spill, offsets[i], pieces[i].size()), pieces[i]) << i;
    }
}

TEST(SpillFile, ForgetsWhatIsTruncatedWhetherWrittenOutOrBuffered) {
    auto spill = SpillFile::create(16 * kMiB);
    ASSERT_NE(spill, nullptr);
    std::string kept = pseudo_random_bytes(600 * 1024, 4);
    std::string dropped = pseudo_random_bytes(600 * 1024, 5);  // written out with `kept`
    ASSERT_TRUE(spill->append(kept.data(), kept.size()));
    ASSERT_TRUE(spill->append(dropped.data(), dropped.size()));
    spill->truncate_to(kept.size());
    EXPECT_EQ(spill->end(), kept.size());
    ASSERT_TRUE(spill->append("next", 4));
    ASSERT_TRUE(spill->append("buffered", 8));
    spill->truncate_to(kept.size() + 4);  // only in the buffer
    ASSERT_TRUE(spill->append("last", 4));
    spill->finish_writing();
    EXPECT_EQ(read_back(*spill, 0, kept.size()), kept);
    EXPECT_EQ(read_back(*spill, kept.size(), 8), "nextlast");
}

TEST(SpillFile, TakesNothingBeyondItsBudget) {
    auto spill = SpillFile::create(100);
    ASSERT_NE(spill, nullptr);
    std::string bytes(60, 'x');
    EXPECT_TRUE(spill->append(bytes.data(), 60));
    EXPECT_FALSE(spill->append(bytes.data(), 50));
    EXPECT_EQ(spill->end(), 60u);
    EXPECT_TRUE(spill->append(bytes.data(), 40));  // a smaller one still fits
    EXPECT_EQ(spill->end(), 100u);
    EXPECT_FALSE(spill->append(bytes.data(), 1));
}

TEST(SpillFile, SaysSoWhenAskedForBytesItNeverHeld) {
    auto spill = SpillFile::create(100);
    ASSERT_NE(spill, nullptr);
    ASSERT_TRUE(spill->append("abc", 3));
    spill->finish_writing();
    Status status =
        spill->read(1, 3, "blobs/sha256/x", [](const char*, std::size_t) { return Status::ok(); });
    EXPECT_FALSE(status);
    EXPECT_NE(status.message().find("blobs/sha256/x: cannot read it again"), std::string::npos)
        << status.message();
}

// A write that fails (here: past RLIMIT_FSIZE, as on a full disk) loses the buffered bytes of
// blobs already appended: the file says they are not there, and why, instead of giving others.
TEST(SpillFile, SaysWhichBytesAFailedWriteLost) {
    auto spill = SpillFile::create(16 * kMiB);
    ASSERT_NE(spill, nullptr);
    std::string first = pseudo_random_bytes(300 * 1024, 7);
    ASSERT_TRUE(spill->append(first.data(), first.size()));  // written out: past the buffer
    std::string second = pseudo_random_bytes(100 * 1024, 8);
    ASSERT_TRUE(spill->append(second.data(), second.size()));  // buffered
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = 350 * 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::string third = pseudo_random_bytes(200 * 1024, 9);
    bool appended = spill->append(third.data(), third.size());  // the write-out fails
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    EXPECT_FALSE(appended);
    EXPECT_FALSE(spill->append("x", 1)) << "nothing more once a write failed";
    spill->finish_writing();
    EXPECT_TRUE(spill->written(0, first.size()));
    EXPECT_EQ(read_back(*spill, 0, first.size()), first);
    EXPECT_FALSE(spill->written(first.size(), second.size()));
    Status status = spill->read(first.size(), second.size(), "blobs/sha256/y",
                                [](const char*, std::size_t) { return Status::ok(); });
    EXPECT_FALSE(status);
    EXPECT_NE(status.message().find("File too large"), std::string::npos) << status.message();
}

TEST(SpillFile, LeavesNothingInTheTemporaryDirectory) {
    testing::TempDir dir;
    testing::ScopedEnv tmpdir("TMPDIR", dir.path().c_str());
    auto spill = SpillFile::create(100);
    ASSERT_NE(spill, nullptr);
    ASSERT_TRUE(spill->append("abc", 3));
    spill->finish_writing();
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Buffers the kernel copies into are aligned to 64 bytes whatever their size (io_buffer.h says
// why), and hold what they are asked to.
TEST(IoBuffer, IsAlignedTo64BytesWhateverItsSize) {
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{4096},
                             std::size_t{kMiB + 3}}) {
        IoBuffer buffer = make_io_buffer(size);
        ASSERT_NE(buffer, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.get()) % 64, 0u) << size;
        std::fill(buffer.get(), buffer.get() + size, 'x');  // all of it is ours (ASan checks)
    }
}

}  // namespace
}  // namespace ociwasm::detail
