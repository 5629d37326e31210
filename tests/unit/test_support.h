// Helpers shared by the unit tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ociwasm::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

// The source tree, for tests that read shipped fixtures or schemas.
std::filesystem::path source_dir();

}  // namespace ociwasm::testing
