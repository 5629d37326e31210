#include "lockfile_view.h"

#include "ociwasm/json.h"
#include "validate_internal.h"

namespace ociwasm::detail {

std::optional<std::string_view> ContentRef::digest() const {
    return string_member(value, "digest");
}

std::optional<std::string_view> ContentRef::inline_content() const {
    return string_member(value, "inline");
}

std::optional<std::string_view> ContentRef::path() const {
    return string_member(value, "path");
}

void LockfileView::visit_dependencies(const rapidjson::Value& owner, ContentOwner kind,
                                      std::size_t index, const std::string& owner_pointer,
                                      const Visitor& visit) const {
    if (const rapidjson::Value* deps = find_member(owner, "dependencies");
        deps != nullptr && deps->IsObject()) {
        std::string base = owner_pointer + "/dependencies";
        for (const auto& dep : deps->GetObject()) {
            if (const rapidjson::Value* source = find_member(dep.value, "source")) {
                std::string at = pointer_join(base, as_view(dep.name)) + "/source";
                visit(ContentRef{ContentKind::dependency, kind, index, *source, at});
            }
        }
    }
    if (const rapidjson::Value* groups = find_member(owner, "trigger_dependencies");
        groups != nullptr && groups->IsObject()) {
        std::string base = owner_pointer + "/trigger_dependencies";
        for (const auto& group : groups->GetObject()) {
            if (!group.value.IsArray()) continue;
            std::string group_pointer = pointer_join(base, as_view(group.name));
            for (rapidjson::SizeType i = 0; i < group.value.Size(); ++i) {
                if (const rapidjson::Value* source = find_member(group.value[i], "source")) {
                    std::string at = pointer_join(group_pointer, i) + "/source";
                    visit(ContentRef{ContentKind::trigger_dependency, kind, index, *source, at});
                }
            }
        }
    }
}

void LockfileView::visit_components(const Visitor& visit) const {
    const rapidjson::Value* components = find_member(lockfile_, "components");
    if (components == nullptr || !components->IsArray()) return;
    for (rapidjson::SizeType c = 0; c < components->Size(); ++c) {
        const rapidjson::Value& component = (*components)[c];
        if (!component.IsObject()) continue;
        std::string pointer = pointer_join("/components", c);
        if (const rapidjson::Value* source = find_member(component, "source")) {
            std::string at = pointer + "/source";
            visit(ContentRef{ContentKind::source, ContentOwner::component, c, *source, at});
        }
        visit_dependencies(component, ContentOwner::component, c, pointer, visit);
        const rapidjson::Value* files = find_member(component, "files");
        if (files == nullptr || !files->IsArray()) continue;
        for (rapidjson::SizeType f = 0; f < files->Size(); ++f) {
            std::string at = pointer_join(pointer + "/files", f);
            visit(ContentRef{ContentKind::file, ContentOwner::component, c, (*files)[f], at});
        }
    }
}

void LockfileView::visit_triggers(const Visitor& visit) const {
    const rapidjson::Value* triggers = find_member(lockfile_, "triggers");
    if (triggers == nullptr || !triggers->IsArray()) return;
    for (rapidjson::SizeType t = 0; t < triggers->Size(); ++t) {
        visit_dependencies((*triggers)[t], ContentOwner::trigger, t, pointer_join("/triggers", t),
                           visit);
    }
}

void LockfileView::visit(const Visitor& visit) const {
    visit_components(visit);
    visit_triggers(visit);
}

}  // namespace ociwasm::detail
