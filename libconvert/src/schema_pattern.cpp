// SchemaPattern (schema_pattern.h): the pattern is parsed into a tree, the tree into a Thompson
// NFA over byte sets, and the NFA into a DFA by subset construction over the classes of bytes
// that no set tells apart. Assertions are edges the closure follows only at the start (^) or the
// end ($) of the text.
#include "schema_pattern.h"

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <map>
#include <utility>

namespace ociwasm::detail {
namespace {

using ByteSet = std::bitset<256>;

// Bounds on what a pattern may expand to: the schemas' largest (a media type, two classes
// repeated up to 126 times) needs some 800 NFA and 260 DFA states.
constexpr std::size_t kMaxNfaStates = 20000;
constexpr std::size_t kMaxDfaStates = 4096;
constexpr int kMaxNesting = 64;
constexpr int kMaxRepeat = 1000;
constexpr int kUnbounded = -1;

ByteSet range(unsigned char first, unsigned char last) {
    ByteSet set;
    for (unsigned c = first; c <= last; ++c) set.set(c);
    return set;
}

ByteSet digits() {
    return range('0', '9');
}

ByteSet word() {
    return range('a', 'z') | range('A', 'Z') | digits() | range('_', '_');
}

ByteSet spaces() {
    ByteSet set;
    for (unsigned char c : {' ', '\t', '\n', '\v', '\f', '\r'}) set.set(c);
    return set;
}

bool is_ascii_punctuation(char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

struct Node {
    enum class Kind { bytes, concat, alternation, repeat, line_start, line_end };
    Kind kind = Kind::concat;
    ByteSet set;                // bytes
    std::vector<int> children;  // concat, alternation; repeat: one
    int min = 0;                // repeat
    int max = 0;                // repeat; kUnbounded for no limit

    static Node of(Kind kind) {
        Node node;
        node.kind = kind;
        return node;
    }
    static Node of(ByteSet set) {
        Node node = of(Kind::bytes);
        node.set = set;
        return node;
    }
};

class PatternParser {
  public:
    explicit PatternParser(std::string_view pattern) : text_(pattern) {}

    // The root node's index, or -1 with error() set.
    int parse() {
        int root = alternation(0);
        if (root >= 0 && pos_ < text_.size()) fail("an unmatched ')'");
        return error_.empty() ? root : -1;
    }
    const std::string& error() const { return error_; }
    const std::vector<Node>& nodes() const { return nodes_; }

  private:
    int add(Node node) {
        nodes_.push_back(std::move(node));
        return static_cast<int>(nodes_.size() - 1);
    }

    int fail(std::string what) {
        if (error_.empty()) {
            error_ = "unsupported pattern syntax at offset " + std::to_string(pos_) + ": " +
                     std::move(what);
        }
        return -1;
    }
    bool failed(std::string what) {
        fail(std::move(what));
        return false;
    }

    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

    int alternation(int depth) {
        if (depth > kMaxNesting) return fail("groups nested more than 64 deep");
        Node alt = Node::of(Node::Kind::alternation);
        for (;;) {
            int branch = concatenation(depth);
            if (branch < 0) return -1;
            alt.children.push_back(branch);
            if (!at('|')) break;
            ++pos_;
        }
        return alt.children.size() == 1 ? alt.children[0] : add(std::move(alt));
    }

    int concatenation(int depth) {
        Node concat = Node::of(Node::Kind::concat);
        while (pos_ < text_.size() && !at('|') && !at(')')) {
            int item = atom(depth);
            if (item < 0) return -1;
            item = quantified(item);
            if (item < 0) return -1;
            concat.children.push_back(item);
        }
        return add(std::move(concat));
    }

    int atom(int depth) {
        char c = text_[pos_++];
        switch (c) {
            case '(': {
                if (at('?')) {
                    if (text_.substr(pos_, 2) != "?:") return fail("a lookaround or named group");
                    pos_ += 2;
                }
                int inner = alternation(depth + 1);
                if (inner < 0) return -1;
                if (!at(')')) return fail("an unclosed '('");
                ++pos_;
                return inner;
            }
            case '[':
                return bracket();
            case '.':
                return add(Node::of(~(range('\n', '\n') | range('\r', '\r'))));
            case '^':
                return add(Node::of(Node::Kind::line_start));
            case '$':
                return add(Node::of(Node::Kind::line_end));
            case '\\': {
                ByteSet set;
                int single = -1;
                if (!escape(set, single)) return -1;
                return add(Node::of(set));
            }
            case '*':
            case '+':
            case '?':
            case '{':
            case '}':
            case ']':
                --pos_;
                return fail(std::string("a '") + c + "' with nothing to repeat or unescaped");
            default:
                return add(
                    Node::of(range(static_cast<unsigned char>(c), static_cast<unsigned char>(c))));
        }
    }

    // After a backslash: the bytes it stands for; `single` is the byte when it is one
    // character (a class escape such as \d cannot end a range), else -1.
    bool escape(ByteSet& out, int& single) {
        single = -1;
        if (pos_ >= text_.size()) return failed("a pattern ending in '\\'");
        char c = text_[pos_++];
        switch (c) {
            case 'd':
                out = digits();
                return true;
            case 'D':
                out = ~digits();
                return true;
            case 'w':
                out = word();
                return true;
            case 'W':
                out = ~word();
                return true;
            case 's':
                out = spaces();
                return true;
            case 'S':
                out = ~spaces();
                return true;
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'v':
                c = '\v';
                break;
            case 'f':
                c = '\f';
                break;
            case 'r':
                c = '\r';
                break;
            case '0':
                c = '\0';
                break;
            default:
                if (!is_ascii_punctuation(c)) {
                    --pos_;
                    return failed(std::string("the escape '\\") + c + "'");
                }
        }
        single = static_cast<unsigned char>(c);
        out = range(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
        return true;
    }

    // One member of a class: a byte (`single`) or a class escape such as \d (`single` -1).
    bool class_member(ByteSet& set, int& single) {
        char c = text_[pos_++];
        if (c == '\\') return escape(set, single);
        if (c == '[') return failed("an unescaped '[' inside a class");
        single = static_cast<unsigned char>(c);
        set = range(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
        return true;
    }

    int bracket() {
        bool negated = at('^');
        if (negated) ++pos_;
        if (at(']')) return fail("an empty class");
        ByteSet set;
        while (pos_ < text_.size() && !at(']')) {
            ByteSet member;
            int low = -1;
            if (!class_member(member, low)) return -1;
            if (at('-') && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
                ++pos_;
                ByteSet upper;
                int high = -1;
                if (!class_member(upper, high)) return -1;
                if (low < 0 || high < 0 || low > high) return fail("a class range out of order");
                member = range(static_cast<unsigned char>(low), static_cast<unsigned char>(high));
            }
            set |= member;
        }
        if (!at(']')) return fail("an unclosed '['");
        ++pos_;
        return add(Node::of(negated ? ~set : set));
    }

    bool number(int& out) {
        std::size_t start = pos_;
        long value = 0;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            value = value * 10 + (text_[pos_++] - '0');
            if (value > kMaxRepeat) return failed("a repeat count over 1000");
        }
        out = static_cast<int>(value);
        return pos_ > start;
    }

    int quantified(int item) {
        int min = 0;
        int max = kUnbounded;
        if (at('*')) {
            ++pos_;
        } else if (at('+')) {
            min = 1;
            ++pos_;
        } else if (at('?')) {
            max = 1;
            ++pos_;
        } else if (at('{')) {
            ++pos_;
            if (!number(min)) return fail("a '{' that does not start a repeat count");
            max = min;
            if (at(',')) {
                ++pos_;
                max = kUnbounded;
                if (!at('}') && (!number(max) || max < min)) return fail("a bad repeat count");
            }
            if (!at('}')) return fail("an unclosed repeat count");
            ++pos_;
        } else {
            return item;
        }
        if (at('?')) ++pos_;  // lazy: the same set of texts matches
        Node::Kind kind = nodes_[static_cast<std::size_t>(item)].kind;
        if (kind == Node::Kind::line_start || kind == Node::Kind::line_end) {
            return fail("a quantified anchor");
        }
        Node repeat = Node::of(Node::Kind::repeat);
        repeat.children.push_back(item);
        repeat.min = min;
        repeat.max = max;
        return add(std::move(repeat));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::vector<Node> nodes_;
    std::string error_;
};

struct NfaEdge {
    enum class When { always, at_start, at_end };
    int to = 0;
    When when = When::always;
};

struct NfaState {
    std::vector<NfaEdge> edges;  // without consuming a byte
    int set = -1;                // index into Nfa::sets: consumes a byte of it ...
    int target = -1;             // ... and goes here
};

struct Nfa {
    std::vector<NfaState> states;
    std::vector<ByteSet> sets;
    int final_state = -1;
    bool too_large = false;

    int add() {
        if (states.size() >= kMaxNfaStates) too_large = true;
        states.emplace_back();
        return static_cast<int>(states.size() - 1);
    }
    void edge(int from, int to, NfaEdge::When when = NfaEdge::When::always) {
        states[static_cast<std::size_t>(from)].edges.push_back(NfaEdge{to, when});
    }
    int consume(int from, const ByteSet& set) {
        int state = add();
        int target = add();
        edge(from, state);
        states[static_cast<std::size_t>(state)].set = static_cast<int>(sets.size());
        states[static_cast<std::size_t>(state)].target = target;
        sets.push_back(set);
        return target;
    }

    // Adds `node` after `from`; returns the state reached after it.
    int emit(const std::vector<Node>& nodes, int index, int from) {
        if (too_large) return from;
        const Node& node = nodes[static_cast<std::size_t>(index)];
        switch (node.kind) {
            case Node::Kind::bytes:
                return consume(from, node.set);
            case Node::Kind::concat:
                for (int child : node.children) from = emit(nodes, child, from);
                return from;
            case Node::Kind::alternation: {
                int end = add();
                for (int child : node.children) {
                    int branch = add();
                    edge(from, branch);
                    edge(emit(nodes, child, branch), end);
                }
                return end;
            }
            case Node::Kind::line_start:
            case Node::Kind::line_end: {
                int next = add();
                edge(from, next,
                     node.kind == Node::Kind::line_start ? NfaEdge::When::at_start
                                                         : NfaEdge::When::at_end);
                return next;
            }
            case Node::Kind::repeat:
                return emit_repeat(nodes, node, from);
        }
        return from;
    }

    int emit_repeat(const std::vector<Node>& nodes, const Node& node, int from) {
        int child = node.children[0];
        for (int i = 0; i < node.min && !too_large; ++i) from = emit(nodes, child, from);
        if (node.max == kUnbounded) {
            int loop = add();
            edge(from, loop);
            edge(emit(nodes, child, loop), loop);
            return loop;
        }
        int end = add();
        for (int i = node.min; i < node.max && !too_large; ++i) {
            edge(from, end);
            from = emit(nodes, child, from);
        }
        edge(from, end);
        return end;
    }
};

}  // namespace

// Builds the DFA of a SchemaPattern from its NFA.
class PatternAutomaton {
  public:
    explicit PatternAutomaton(const Nfa& nfa) : nfa_(nfa) {}

    bool build(SchemaPattern& out, std::string& error) {
        assign_byte_classes(out);
        std::vector<int> seed{0};  // state 0: the search loop before the pattern
        out.start_ = state_for(closure(seed, true, false), true);
        for (std::size_t done = 0; done < sets_.size(); ++done) {
            if (sets_.size() > kMaxDfaStates) {
                error = "the pattern needs more than 4096 automaton states";
                return false;
            }
            for (std::uint32_t cls = 0; cls < out.classes_; ++cls) {
                std::vector<int> moved;
                for (int s : sets_[done]) {
                    const NfaState& state = nfa_.states[static_cast<std::size_t>(s)];
                    if (state.set >= 0 &&
                        nfa_.sets[static_cast<std::size_t>(state.set)].test(representative_[cls])) {
                        moved.push_back(state.target);
                    }
                }
                next_.push_back(state_for(closure(moved, false, false), false));
            }
        }
        out.next_ = std::move(next_);
        out.flags_ = std::move(flags_);
        mark_dead(out);
        return true;
    }

  private:
    // Bytes no set of the NFA tells apart share a class.
    void assign_byte_classes(SchemaPattern& out) {
        std::map<std::vector<bool>, std::uint8_t> classes;
        for (unsigned b = 0; b < 256; ++b) {
            std::vector<bool> signature;
            signature.reserve(nfa_.sets.size());
            for (const ByteSet& set : nfa_.sets) signature.push_back(set.test(b));
            auto [it, inserted] =
                classes.emplace(std::move(signature), static_cast<std::uint8_t>(classes.size()));
            if (inserted) representative_.push_back(b);
            out.byte_class_[b] = it->second;
        }
        out.classes_ = static_cast<std::uint32_t>(classes.size());
    }

    // The states reachable from `seeds` without consuming a byte, sorted.
    std::vector<int> closure(const std::vector<int>& seeds, bool at_start, bool at_end) const {
        std::vector<char> seen(nfa_.states.size(), 0);
        std::vector<int> stack(seeds);
        std::vector<int> out;
        while (!stack.empty()) {
            int s = stack.back();
            stack.pop_back();
            if (seen[static_cast<std::size_t>(s)]) continue;
            seen[static_cast<std::size_t>(s)] = 1;
            out.push_back(s);
            for (const NfaEdge& edge : nfa_.states[static_cast<std::size_t>(s)].edges) {
                if ((edge.when == NfaEdge::When::at_start && !at_start) ||
                    (edge.when == NfaEdge::When::at_end && !at_end)) {
                    continue;
                }
                stack.push_back(edge.to);
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    bool holds_final(const std::vector<int>& set) const {
        return std::binary_search(set.begin(), set.end(), nfa_.final_state);
    }

    // The DFA state for a closure; the start state is never shared, since ^ holds only there.
    std::uint32_t state_for(std::vector<int> set, bool start) {
        if (!start) {
            if (auto it = known_.find(set); it != known_.end()) return it->second;
        }
        auto id = static_cast<std::uint32_t>(sets_.size());
        std::uint8_t flags = 0;
        if (holds_final(set)) flags |= SchemaPattern::kAcceptNow;
        if (holds_final(closure(set, start, true))) flags |= SchemaPattern::kAcceptAtEnd;
        flags_.push_back(flags);
        if (!start) known_.emplace(set, id);
        sets_.push_back(std::move(set));
        return id;
    }

    // States from which no accepting state can be reached end the search early.
    void mark_dead(SchemaPattern& out) const {
        std::size_t count = out.flags_.size();
        std::vector<char> live(count, 0);
        for (std::size_t s = 0; s < count; ++s) {
            live[s] =
                (out.flags_[s] & (SchemaPattern::kAcceptNow | SchemaPattern::kAcceptAtEnd)) ? 1 : 0;
        }
        for (bool changed = true; changed;) {
            changed = false;
            for (std::size_t s = 0; s < count; ++s) {
                if (live[s]) continue;
                for (std::uint32_t cls = 0; cls < out.classes_; ++cls) {
                    if (live[out.next_[s * out.classes_ + cls]]) {
                        live[s] = 1;
                        changed = true;
                        break;
                    }
                }
            }
        }
        for (std::size_t s = 0; s < count; ++s) {
            if (!live[s]) out.flags_[s] |= SchemaPattern::kDead;
        }
    }

    const Nfa& nfa_;
    std::vector<unsigned> representative_;  // a byte of each class
    std::vector<std::vector<int>> sets_;    // NFA states of each DFA state
    std::map<std::vector<int>, std::uint32_t> known_;
    std::vector<std::uint32_t> next_;
    std::vector<std::uint8_t> flags_;
};

std::optional<SchemaPattern> SchemaPattern::compile(std::string_view pattern, std::string& error) {
    PatternParser parser(pattern);
    int root = parser.parse();
    if (root < 0) {
        error = parser.error();
        return std::nullopt;
    }
    Nfa nfa;
    int loop = nfa.add();  // a search may start at any byte: state 0 skips bytes before it
    nfa.states[0].set = static_cast<int>(nfa.sets.size());
    nfa.states[0].target = loop;
    nfa.sets.push_back(ByteSet().set());
    int begin = nfa.add();
    nfa.edge(loop, begin);
    nfa.final_state = nfa.emit(parser.nodes(), root, begin);
    if (nfa.too_large) {
        error = "the pattern expands to more than 20000 automaton states";
        return std::nullopt;
    }
    SchemaPattern out;
    if (!PatternAutomaton(nfa).build(out, error)) return std::nullopt;
    return out;
}

bool SchemaPattern::search(std::string_view text) const {
    std::uint32_t state = start_;
    std::uint8_t flags = flags_[state];
    if (flags & (kAcceptNow | kDead)) return (flags & kAcceptNow) != 0;
    for (char c : text) {
        state = next_[state * classes_ + byte_class_[static_cast<unsigned char>(c)]];
        flags = flags_[state];
        if (flags & (kAcceptNow | kDead)) return (flags & kAcceptNow) != 0;
    }
    return (flags & kAcceptAtEnd) != 0;
}

}  // namespace ociwasm::detail
