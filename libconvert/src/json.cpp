#include "ociwasm/json.h"

#include "json_exact.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ociwasm {

namespace {

// Forwards SAX events to the Document while enforcing what RapidJSON does not: unique member
// names per object and a nesting limit. Keeps the path so errors carry a JSON pointer.
class CheckingHandler {
  public:
    CheckingHandler(rapidjson::Document& doc, const JsonLimits& limits)
        : doc_(doc), limits_(limits) {}

    bool Null() { return value() && doc_.Null(); }
    bool Bool(bool b) { return value() && doc_.Bool(b); }
    bool Int(int i) { return value() && doc_.Int(i); }
    bool Uint(unsigned u) { return value() && doc_.Uint(u); }
    bool Int64(int64_t i) { return value() && doc_.Int64(i); }
    bool Uint64(uint64_t u) { return value() && doc_.Uint64(u); }
    bool Double(double d) { return value() && doc_.Double(d); }
    // Only with kParseNumbersAsStringsFlag (parse_json_exact): a number whose canonical
    // writing gives back its text is stored as a number, any other keeps its text.
    bool RawNumber(const char* str, rapidjson::SizeType len, bool copy) {
        value();
        std::string_view text(str, len);
        rapidjson::Document number;
        number.Parse<rapidjson::kParseFullPrecisionFlag>(str, len);
        if (!number.HasParseError() && number.IsNumber() && write_canonical(number) == text) {
            return number.Accept(doc_);
        }
        (void)copy;
        std::string marked = std::string(detail::kNumberTextMarker) + std::string(text);
        return doc_.String(marked.data(), static_cast<rapidjson::SizeType>(marked.size()), true);
    }
    bool String(const char* str, rapidjson::SizeType len, bool copy) {
        value();
        if (has_surrogate(str, len)) return lone_surrogate(pointer());
        return doc_.String(str, len, copy);
    }
    bool StartObject() { return open(true) && doc_.StartObject(); }
    bool Key(const char* str, rapidjson::SizeType len, bool copy) {
        Frame& frame = frames_[depth_ - 1];
        // The name is not yet part of the path: the error points at the object holding it.
        if (has_surrogate(str, len)) return lone_surrogate(pointer(false));
        frame.key.assign(str, len);
        if (!frame.add_key()) {
            problem_ = "duplicate member name \"" + frame.key + "\"";
            problem_pointer_ = pointer();
            return false;
        }
        return doc_.Key(str, len, copy);
    }
    bool EndObject(rapidjson::SizeType count) {
        --depth_;
        return doc_.EndObject(count);
    }
    bool StartArray() { return open(false) && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType count) {
        --depth_;
        return doc_.EndArray(count);
    }

    const std::string& problem() const { return problem_; }
    const std::string& problem_pointer() const { return problem_pointer_; }
    // The path of the innermost container opened and not yet closed: it exists whatever the
    // parser was reading inside it, unlike the member or element it had not finished.
    std::string container_pointer() const {
        std::string out;
        for (std::size_t i = 0; i + 1 < depth_; ++i) {
            const Frame& frame = frames_[i];
            out = frame.is_object ? pointer_join(out, frame.key)
                                  : pointer_join(out, frame.next_index - 1);
        }
        return out;
    }
    // The path of the value being parsed; without the innermost object's key when `with_key` is
    // false (the key itself is being read, so it is not yet part of the path).
    std::string pointer(bool with_key = true) const {
        std::string out;
        for (std::size_t i = 0; i < depth_; ++i) {
            const Frame& frame = frames_[i];
            if (frame.is_object) {
                if (with_key || i + 1 < depth_) out = pointer_join(out, frame.key);
            } else if (frame.next_index > 0) {
                out = pointer_join(out, frame.next_index - 1);
            }
        }
        return out;
    }

  private:
    // RapidJSON decodes an escaped low surrogate without its high half (a lone "\\udc00" or a
    // reversed pair) into the three-byte encoding of a surrogate code point, which is not UTF-8.
    // Raw input bytes are already checked (kParseValidateEncodingFlag), so this only sees escapes.
    static bool has_surrogate(const char* str, rapidjson::SizeType len) {
        for (rapidjson::SizeType i = 0; i + 1 < len; ++i) {
            const auto lead = static_cast<unsigned char>(str[i]);
            const auto next = static_cast<unsigned char>(str[i + 1]);
            if (lead == 0xED && next >= 0xA0 && next <= 0xBF) return true;
        }
        return false;
    }
    bool lone_surrogate(std::string at) {
        problem_ = "lone surrogate in a string (a \\uDC00-\\uDFFF escape without its high half)";
        problem_pointer_ = std::move(at);
        return false;
    }

    // One open object or array. Frames are kept per thread for the next parse, and the names of
    // an object are compared one by one while it has few, so that parsing the many small
    // documents of a layout allocates nothing here once warm.
    struct Frame {
        static constexpr std::size_t kFewKeys = 16;

        bool is_object = false;
        std::size_t next_index = 0;
        std::string key;                       // the member being read
        std::size_t key_count = 0;             // names seen in this object
        std::vector<std::string> first_keys;   // the first kFewKeys of them (capacity reused)
        std::unordered_set<std::string> keys;  // all of them, once there are more

        void reset(bool object) {
            is_object = object;
            next_index = 0;
            key_count = 0;
            // A hostile object's names are not held on to for the rest of the run.
            if (keys.size() > 1024) {
                std::unordered_set<std::string>().swap(keys);
            } else {
                keys.clear();
            }
        }
        // Adds `key`; false when the object already has a member of that name.
        bool add_key() {
            if (key_count < kFewKeys) {
                for (std::size_t i = 0; i < key_count; ++i) {
                    if (first_keys[i] == key) return false;
                }
                if (key_count < first_keys.size()) {
                    first_keys[key_count] = key;
                } else {
                    first_keys.push_back(key);
                }
                ++key_count;
                return true;
            }
            if (key_count == kFewKeys) keys.insert(first_keys.begin(), first_keys.end());
            if (!keys.insert(key).second) return false;
            ++key_count;
            return true;
        }
    };

    // Every value (scalar or container) counts as one element of an enclosing array.
    bool value() {
        if (depth_ > 0 && !frames_[depth_ - 1].is_object) ++frames_[depth_ - 1].next_index;
        return true;
    }
    bool open(bool is_object) {
        value();
        if (depth_ >= limits_.max_depth) {
            problem_ = "nesting deeper than " + std::to_string(limits_.max_depth) + " levels";
            problem_pointer_ = pointer();
            return false;
        }
        if (depth_ == frames_.size()) frames_.emplace_back();
        frames_[depth_++].reset(is_object);
        return true;
    }

    static std::vector<Frame>& thread_frames() {
        thread_local std::vector<Frame> frames;
        return frames;
    }

    rapidjson::Document& doc_;
    const JsonLimits& limits_;
    std::vector<Frame>& frames_ = thread_frames();
    std::size_t depth_ = 0;  // frames_[0, depth_) are open
    std::string problem_;
    std::string problem_pointer_;
};

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag;
// Text that is all ASCII is valid UTF-8: parsed without RapidJSON's check of each string's bytes
// (3% of the time of validating 100,000 apps, where a pass over the text 8 bytes at a time costs
// next to nothing). Escapes (\uD800) are checked either way.
constexpr unsigned kAsciiParseFlags = kParseFlags & ~rapidjson::kParseValidateEncodingFlag;

bool is_ascii(std::string_view text) {
    std::uint64_t any = 0;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, 8);
        any |= word;
    }
    for (; i < text.size(); ++i) any |= static_cast<unsigned char>(text[i]);
    return (any & 0x8080808080808080ULL) == 0;
}

void write_value(const rapidjson::Value& value, rapidjson::Writer<rapidjson::StringBuffer>& w) {
    switch (value.GetType()) {
        case rapidjson::kNullType:
            w.Null();
            break;
        case rapidjson::kFalseType:
            w.Bool(false);
            break;
        case rapidjson::kTrueType:
            w.Bool(true);
            break;
        case rapidjson::kStringType:
            if (std::string_view text(value.GetString(), value.GetStringLength());
                text.starts_with(detail::kNumberTextMarker)) {
                text.remove_prefix(detail::kNumberTextMarker.size());
                w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
            } else {
                w.String(value.GetString(), value.GetStringLength());
            }
            break;
        case rapidjson::kNumberType:
            if (value.IsUint64()) {
                w.Uint64(value.GetUint64());
            } else if (value.IsInt64()) {
                w.Int64(value.GetInt64());
            } else {
                w.Double(value.GetDouble());
            }
            break;
        case rapidjson::kArrayType:
            w.StartArray();
            for (const auto& item : value.GetArray()) write_value(item, w);
            w.EndArray();
            break;
        case rapidjson::kObjectType: {
            std::vector<const rapidjson::Value::Member*> members;
            members.reserve(value.MemberCount());
            for (const auto& m : value.GetObject()) members.push_back(&m);
            std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
                return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
                       std::string_view(b->name.GetString(), b->name.GetStringLength());
            });
            w.StartObject();
            for (const auto* m : members) {
                w.Key(m->name.GetString(), m->name.GetStringLength());
                write_value(m->value, w);
            }
            w.EndObject();
            break;
        }
    }
}

}  // namespace

namespace {

// Line and column (in code points: UTF-8 continuation bytes do not count) of byte `offset`.
void set_position(std::string_view text, std::size_t offset, JsonError& error) {
    error.offset = offset;
    const std::string_view before = text.substr(0, std::min(offset, text.size()));
    const std::size_t newline = before.rfind('\n');
    error.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::string_view last =
        newline == std::string_view::npos ? before : before.substr(newline + 1);
    error.column = 1 + static_cast<std::size_t>(std::count_if(last.begin(), last.end(), [](char c) {
                       return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                   }));
}

template <unsigned Flags>
bool parse_with(std::string_view text, rapidjson::Document& doc, JsonError* error,
                const JsonLimits& limits) {
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    CheckingHandler handler(doc, limits);
    rapidjson::ParseResult result;
    auto generator = [&](rapidjson::Document& target) {
        (void)target;
        result = reader.Parse<Flags>(stream, handler);
        return !result.IsError();
    };
    doc.SetNull();
    doc.Populate(generator);
    if (!result.IsError() && stream.Tell() == text.size()) return true;
    doc.SetNull();
    if (!result.IsError()) {
        // RapidJSON takes a NUL byte for the end of the input, so "{}\0garbage" would pass.
        if (error) {
            set_position(text, stream.Tell(), *error);
            error->message = "unexpected NUL byte after the document";
            error->pointer.clear();
        }
        return false;
    }
    if (error) {
        set_position(text, result.Offset(), *error);
        if (!handler.problem().empty()) {
            error->message = handler.problem();
            error->pointer = handler.problem_pointer();
        } else {
            error->message = rapidjson::GetParseError_En(result.Code());
            error->pointer = handler.container_pointer();
        }
    }
    return false;
}

// parse_with, with `Extra` flags, choosing the encoding check by the text.
template <unsigned Extra>
bool parse_text(std::string_view text, rapidjson::Document& doc, JsonError* error,
                const JsonLimits& limits) {
    if (is_ascii(text)) return parse_with<kAsciiParseFlags | Extra>(text, doc, error, limits);
    return parse_with<kParseFlags | Extra>(text, doc, error, limits);
}

}  // namespace

std::string json_error_position(const JsonError& error) {
    return "line " + std::to_string(error.line) + ", column " + std::to_string(error.column) +
           " (byte " + std::to_string(error.offset) + ")";
}

bool parse_json(std::string_view text, rapidjson::Document& doc, JsonError* error,
                const JsonLimits& limits) {
    return parse_text<0>(text, doc, error, limits);
}

namespace detail {

bool parse_json_exact(std::string_view text, rapidjson::Document& doc, JsonError* error,
                      const JsonLimits& limits) {
    return parse_text<rapidjson::kParseNumbersAsStringsFlag>(text, doc, error, limits);
}

}  // namespace detail

std::string write_canonical(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    write_value(value, writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string pointer_escape(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string pointer_join(std::string_view base, std::string_view token) {
    std::string out(base);
    out += '/';
    out += pointer_escape(token);
    return out;
}

std::string pointer_join(std::string_view base, std::size_t index) {
    std::string out(base);
    out += '/';
    out += std::to_string(index);
    return out;
}

}  // namespace ociwasm
