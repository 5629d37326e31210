// Watching a long pass: the layout sources report the blob bytes they read, so a tool can show
// progress without the library printing anything.
#pragma once

#include <cstdint>

namespace ociwasm {

class ScanProgress {
  public:
    virtual ~ScanProgress() = default;
    // Called after each chunk of blob bytes is read during a scan. A directory is hashed on
    // several threads, so this may be called from several threads at once; keep it cheap.
    virtual void advanced(std::uint64_t bytes) = 0;
};

}  // namespace ociwasm
