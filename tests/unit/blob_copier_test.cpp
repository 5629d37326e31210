// SinkCopier: a blob taken as a range of its input file is copied from there on the writer
// thread; a file that changes meanwhile (or streams another size than was copied) fails the blob,
// since the copy may then hold other bytes than were hashed.
#include "blob_copier.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "ociwasm/layout.h"
#include "test_support.h"

namespace ociwasm::detail {
namespace {

using ociwasm::testing::read_file;
using ociwasm::testing::TempDir;
using ociwasm::testing::write_file;

const std::string kHex(64, 'e');

BlobRecord record_of(std::uint64_t size) {
    BlobRecord record("sha256", kHex);
    record.size = size;
    return record;
}

class SinkCopierRange : public ::testing::Test {
  protected:
    void SetUp() override {
        write_file(dir_ / "input", "header" + content_ + "trailer");
        fd_ = ::open((dir_ / "input").c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(fd_, 0);
        Status opened = open_layout_sink((dir_ / "out").string(), SinkFormat::directory, sink_);
        ASSERT_TRUE(opened) << opened.message();
        options_.keep_limit = 0;  // every blob is copied
    }
    void TearDown() override {
        if (fd_ >= 0) ::close(fd_);
    }

    TempDir dir_;
    std::string content_ = std::string(3 * kMiB + 5, 'q');
    int fd_ = -1;
    std::unique_ptr<LayoutSink> sink_;
    ScanOptions options_;
};

TEST_F(SinkCopierRange, CopiesTheRangeFromTheFile) {
    SinkCopier copier(*sink_, options_, "in");
    BlobRecord record = record_of(content_.size());
    ASSERT_TRUE(copier.begin_blob(record, content_.size()));
    ASSERT_TRUE(copier.take_file_range(fd_, 6, content_.size()));
    ::close(fd_);  // the source may close its descriptor before the copy is done
    fd_ = -1;
    Status ended = copier.end_blob(record);
    ASSERT_TRUE(ended) << ended.message();
    copier.stop();
    ASSERT_TRUE(sink_->put_file("oci-layout", "{}"));
    ASSERT_TRUE(sink_->put_file("index.json", "{}"));
    ASSERT_TRUE(sink_->commit());
    EXPECT_TRUE(read_file(dir_ / "out" / record.path()) == content_);
    EXPECT_TRUE(copier.streamed().contains(record.digest()));
}

TEST_F(SinkCopierRange, AFileChangedDuringTheCopyFailsTheBlob) {
    SinkCopier copier(*sink_, options_, "in");
    BlobRecord record = record_of(content_.size());
    ASSERT_TRUE(copier.begin_blob(record, content_.size()));
    ASSERT_TRUE(copier.take_file_range(fd_, 6, content_.size()));
    ASSERT_EQ(::pwrite(fd_, "more", 4, static_cast<off_t>(content_.size() + 13)), 4);
    Status ended = copier.end_blob(record);
    EXPECT_EQ(ended.code(), Status::Code::io_error);
    EXPECT_NE(ended.message().find("in: " + record.path() +
                                   ": the input file changed while this blob was read and copied"),
              std::string::npos)
        << ended.message();
    EXPECT_FALSE(copier.streamed().contains(record.digest()));
}

TEST_F(SinkCopierRange, ASizeOtherThanCopiedFailsTheBlob) {
    SinkCopier copier(*sink_, options_, "in");
    BlobRecord record = record_of(content_.size());
    ASSERT_TRUE(copier.begin_blob(record, content_.size()));
    ASSERT_TRUE(copier.take_file_range(fd_, 6, content_.size()));
    record.size = content_.size() + 7;  // what streamed by to be hashed
    Status ended = copier.end_blob(record);
    EXPECT_EQ(ended.code(), Status::Code::io_error);
    EXPECT_NE(ended.message().find("(read " + std::to_string(content_.size() + 7) +
                                   " bytes, copied " + std::to_string(content_.size()) + ")"),
              std::string::npos)
        << ended.message();
}

}  // namespace
}  // namespace ociwasm::detail
