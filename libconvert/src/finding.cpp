#include "ociwasm/finding.h"

#include <algorithm>

namespace ociwasm {

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::info:
            return "info";
        case Severity::warning:
            return "warning";
        case Severity::error:
            return "error";
    }
    return "error";
}

namespace {

Finding make(Severity severity, std::string code, std::string message, std::string file,
             std::string pointer, std::string digest) {
    return Finding{severity,        std::move(code),    std::move(message),
                   std::move(file), std::move(pointer), std::move(digest)};
}

}  // namespace

void Findings::error(std::string code, std::string message, std::string file, std::string pointer,
                     std::string digest) {
    add(make(Severity::error, std::move(code), std::move(message), std::move(file),
             std::move(pointer), std::move(digest)));
}

void Findings::warning(std::string code, std::string message, std::string file, std::string pointer,
                       std::string digest) {
    add(make(Severity::warning, std::move(code), std::move(message), std::move(file),
             std::move(pointer), std::move(digest)));
}

void Findings::info(std::string code, std::string message, std::string file, std::string pointer,
                    std::string digest) {
    add(make(Severity::info, std::move(code), std::move(message), std::move(file),
             std::move(pointer), std::move(digest)));
}

void Findings::append(const Findings& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::size_t Findings::count(Severity severity) const {
    return static_cast<std::size_t>(std::count_if(
        items_.begin(), items_.end(), [&](const Finding& f) { return f.severity == severity; }));
}

bool Findings::has_errors() const {
    return count(Severity::error) > 0;
}
bool Findings::has_warnings() const {
    return count(Severity::warning) > 0;
}

bool Findings::contains(std::string_view code) const {
    return std::any_of(items_.begin(), items_.end(),
                       [&](const Finding& f) { return f.code == code; });
}

}  // namespace ociwasm
