// A read-only view of a parsed Spin lockfile (FORMATS.md section 5) that visits every content
// reference in it with its JSON pointer: component sources, the sources of component and
// trigger dependencies, and component files. Validation and conversion both ask it, so the
// places where a lockfile names content are listed once.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace ociwasm::detail {

enum class ContentKind {
    source,              // /components/N/source
    dependency,          // .../dependencies/NAME/source (of a component or a trigger)
    trigger_dependency,  // .../trigger_dependencies/GROUP/N/source (of a component or a trigger)
    file,                // /components/N/files/M
};

enum class ContentOwner { component, trigger };

// One content reference: the JSON value holding `digest`, `inline`, `source` (and `path` for a
// file). The value is whatever the lockfile holds there; it need not be an object.
struct ContentRef {
    ContentKind kind;
    ContentOwner owner;
    std::size_t owner_index;  // index in /components or /triggers
    const rapidjson::Value& value;
    const std::string& pointer;  // RFC 6901 pointer of `value`

    // String members of the reference, nullopt when absent or not strings.
    std::optional<std::string_view> digest() const;
    std::optional<std::string_view> inline_content() const;
    std::optional<std::string_view> path() const;
};

class LockfileView {
  public:
    using Visitor = std::function<void(const ContentRef&)>;

    // `lockfile` must outlive the view; anything that is not an object has no references.
    explicit LockfileView(const rapidjson::Value& lockfile) : lockfile_(lockfile) {}

    // Per component, in order: its source, dependency sources, trigger dependency sources,
    // files.
    void visit_components(const Visitor& visit) const;
    // Per trigger, in order: its dependency sources, trigger dependency sources.
    void visit_triggers(const Visitor& visit) const;
    // Components, then triggers.
    void visit(const Visitor& visit) const;

  private:
    void visit_dependencies(const rapidjson::Value& owner, ContentOwner kind, std::size_t index,
                            const std::string& owner_pointer, const Visitor& visit) const;

    const rapidjson::Value& lockfile_;
};

}  // namespace ociwasm::detail
