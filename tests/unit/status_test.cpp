// Status sentinels are recognised by type, never by their message.
#include "ociwasm/status.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "archive_layer.h"
#include "ociwasm/layout.h"

namespace ociwasm {
namespace {

TEST(StatusTest, StoppedIsASentinelOfItsOwn) {
    Status stopped = Status::stopped("enough");
    EXPECT_FALSE(stopped.is_ok());
    EXPECT_TRUE(stopped.is_stopped());
    // Escaping its reader, it is reported as before: an `invalid` status with its message.
    EXPECT_EQ(stopped.code(), Status::Code::invalid);
    EXPECT_EQ(stopped.message(), "enough");
}

TEST(StatusTest, NoOtherStatusIsStopped) {
    EXPECT_FALSE(Status::ok().is_stopped());
    EXPECT_FALSE(Status::io_error("enough").is_stopped());
    EXPECT_FALSE(Status::unreadable("enough").is_stopped());
    EXPECT_FALSE(Status::usage("enough").is_stopped());
    EXPECT_FALSE(Status::invalid("enough").is_stopped());
    EXPECT_FALSE(Status::invalid("archive listing stopped").is_stopped());
}

TEST(StatusTest, CopiesKeepTheSentinel) {
    Status stopped = Status::stopped("enough");
    Status copy = stopped;
    EXPECT_TRUE(copy.is_stopped());
    Status moved = std::move(copy);
    EXPECT_TRUE(moved.is_stopped());
}

// A source whose blob cannot be read again: the read fails before any byte, with a message that
// happens to equal the listing's own stop sentinel.
class FailingSource : public LayoutSource {
  public:
    explicit FailingSource(std::string message) : message_(std::move(message)) {}
    const std::string& name() const override { return name_; }
    Status scan(const ScanOptions&, LayoutScan&) override { return Status::ok(); }
    bool can_reread() const override { return true; }
    Status read_blob(const std::string&,
                     const std::function<Status(const char*, std::size_t)>&) override {
        return Status::io_error(message_);
    }

  private:
    std::string name_ = "failing";
    std::string message_;
};

TEST(StatusTest, AReadErrorIsNotTakenForTheListingsStop) {
    // Before the sentinel was typed, this read error was recognised by its message as the
    // listing's own stop, and the archive was blamed for bytes that were never read.
    FailingSource source("archive listing stopped");
    detail::ArchiveListing listing = detail::list_archive_layer(source, "blobs/sha256/x");
    EXPECT_FALSE(listing.readable);
    EXPECT_FALSE(listing.checked) << "a read error says nothing about the archive";
    EXPECT_EQ(listing.problem, "archive listing stopped");

    FailingSource other("disk on fire");
    detail::ArchiveListing unread = detail::list_archive_layer(other, "blobs/sha256/x");
    EXPECT_FALSE(unread.checked);
    EXPECT_EQ(unread.problem, "disk on fire");
}

}  // namespace
}  // namespace ociwasm
