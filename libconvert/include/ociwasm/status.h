// Status: the outcome of an operation that can fail for reasons outside the input's content
// (I/O errors, unreadable input, internal limits). Problems *in* the input are Findings.
#pragma once

#include <string>
#include <utility>

namespace ociwasm {

class Status {
  public:
    enum class Code { ok, io_error, unreadable, usage, invalid };

    Status() = default;
    static Status ok() { return Status(); }
    static Status io_error(std::string message) {
        return Status(Code::io_error, std::move(message));
    }
    // The input cannot be read at all (not a layout, not an archive, truncated beyond use).
    static Status unreadable(std::string message) {
        return Status(Code::unreadable, std::move(message));
    }
    static Status usage(std::string message) { return Status(Code::usage, std::move(message)); }
    // The input was read but is not acceptable (findings explain why).
    static Status invalid(std::string message) { return Status(Code::invalid, std::move(message)); }
    // A callback asks the reader feeding it to stop early: not a failure of the input, and
    // recognised by is_stopped(), never by its message. Its code stays `invalid`, so a sentinel
    // that escapes is still reported as before.
    static Status stopped(std::string message) {
        Status status(Code::invalid, std::move(message));
        status.stopped_ = true;
        return status;
    }

    bool is_ok() const { return code_ == Code::ok; }
    explicit operator bool() const { return is_ok(); }
    Code code() const { return code_; }
    bool is_stopped() const { return stopped_; }
    const std::string& message() const { return message_; }

  private:
    Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
    Code code_ = Code::ok;
    std::string message_;
    bool stopped_ = false;
};

}  // namespace ociwasm
