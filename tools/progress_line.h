// The one self-updating stderr line the tools show during a long pass: bytes read, the total
// when it is known, and the rate. Only on a terminal (a line redrawn with \r is noise in a pipe
// or a log), never on stdout, and by default only for inputs of kProgressThreshold and more.
#pragma once

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/program_options.hpp>

#include "ociwasm/layout.h"
#include "ociwasm/progress.h"
#include "ociwasm/text.h"

namespace ociwasm::tools {

enum class ProgressMode {
    automatic,  // on a terminal, for inputs of kProgressThreshold bytes and more
    always,     // --progress: on a terminal, whatever the size
    never,      // --no-progress
};

inline constexpr std::uint64_t kProgressThreshold = 256 * kMiB;

inline void add_progress_options(boost::program_options::options_description& options) {
    // clang-format off
    options.add_options()
        ("progress", "show a progress line on stderr whatever the input's size (only when stderr "
                     "is a terminal; by default it shows for inputs of 256 MiB and more)")
        ("no-progress", "never show a progress line");
    // clang-format on
}

// The mode the options ask for; nullopt when both were given.
inline std::optional<ProgressMode> progress_mode(const boost::program_options::variables_map& vm) {
    bool on = vm.count("progress") > 0;
    bool off = vm.count("no-progress") > 0;
    if (on && off) return std::nullopt;
    return on ? ProgressMode::always : off ? ProgressMode::never : ProgressMode::automatic;
}

// What we know of an input's size before reading it: the blob bytes the pass will read
// (`total`, 0 when unknown: a pipe, a compressed tar) and a size to compare with the threshold.
struct InputSize {
    std::uint64_t total = 0;
    std::uint64_t on_disk = 0;
};

inline bool is_compressed_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char m[6] = {};
    in.read(reinterpret_cast<char*>(m), sizeof m);
    auto n = in.gcount();
    return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||                                  // gzip
           (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||  // zstd
           (n >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X') ||     // xz
           (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h');                       // bzip2
}

inline InputSize measure_input(const std::string& input) {
    namespace fs = std::filesystem;
    InputSize size;
    std::error_code ec;
    if (input == "-") {
        struct stat st {};
        // stdin redirected from a file: its size is known; from a pipe it is not.
        if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            size.on_disk = static_cast<std::uint64_t>(st.st_size);
        }
        return size;  // compression of stdin is not sniffed: no total
    }
    if (fs::is_directory(input, ec)) {
        for (auto it = fs::recursive_directory_iterator(input + "/blobs", ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec) && !it->is_symlink(ec)) size.on_disk += it->file_size(ec);
        }
        size.total = size.on_disk;
        return size;
    }
    size.on_disk = fs::file_size(input, ec);
    if (ec) return {};
    // A plain tar's blob bytes are its size less headers; a compressed one's are more than its
    // size.
    if (!is_compressed_file(input)) size.total = size.on_disk;
    return size;
}

inline std::string human_bytes(double bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
    return text;
}

// Counts the bytes the library reports and redraws the line four times a second on its own
// thread (the hashing threads only add to a counter). finish() erases the line, so what the tool
// prints next starts on a clean line.
class ProgressLine : public ScanProgress {
  public:
    ProgressLine(std::string program, const std::string& input, ProgressMode mode)
        : label_(std::move(program) + ": " + text::one_line(input) + ": ") {
        if (mode == ProgressMode::never || ::isatty(STDERR_FILENO) != 1) return;
        InputSize size = measure_input(input);
        total_ = size.total;
        // An input of unknown size from a pipe shows the line once it has proven large.
        threshold_ = mode == ProgressMode::always || size.on_disk >= kProgressThreshold
                         ? 0
                         : kProgressThreshold;
        start_ = std::chrono::steady_clock::now();
        ticker_ = std::thread([this] { tick(); });
    }
    ~ProgressLine() override { finish(); }
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    void advanced(std::uint64_t bytes) override {
        done_.fetch_add(bytes, std::memory_order_relaxed);
    }

    void finish() {
        if (!ticker_.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        ticker_.join();
        if (shown_) {
            draw();
            std::fputs("\r\033[K", stderr);
            std::fflush(stderr);
        }
    }

  private:
    void tick() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            if (done_.load(std::memory_order_relaxed) >= threshold_) {
                shown_ = true;
                draw();
            }
            wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; });
        }
    }

    void draw() {
        std::uint64_t done = done_.load(std::memory_order_relaxed);
        std::string line = human_bytes(static_cast<double>(done));
        if (total_ != 0) {
            int percent = done >= total_ ? 100 : static_cast<int>(done * 100 / total_);
            line += " of " + human_bytes(static_cast<double>(total_)) + " (" +
                    std::to_string(percent) + "%)";
        }
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        if (seconds >= 0.2) line += ", " + human_bytes(static_cast<double>(done) / seconds) + "/s";
        // A line wider than the terminal would wrap, and \r would then redraw only its tail.
        std::string label = label_;
        struct winsize ws {};
        if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
            std::size_t room = ws.ws_col - 1;
            if (label.size() + line.size() > room) {
                std::size_t keep = room > line.size() + 4 ? room - line.size() - 4 : 0;
                label = "..." + label.substr(label.size() - std::min(keep, label.size()));
                if (label.size() + line.size() > room) label.clear();
            }
        }
        std::fprintf(stderr, "\r%s%s\033[K", label.c_str(), line.c_str());
        std::fflush(stderr);
    }

    std::string label_;
    std::uint64_t total_ = 0;
    std::uint64_t threshold_ = 0;
    std::atomic<std::uint64_t> done_{0};
    std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool shown_ = false;
    std::thread ticker_;
};

}  // namespace ociwasm::tools
