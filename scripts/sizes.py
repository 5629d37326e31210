#!/usr/bin/env python3
"""Lines per file and per function of C++ sources, against the limits of STYLE.md.

usage: scripts/sizes.py [--check] [--top N] FILE...

A function is a brace block opened at namespace or class level after a parameter list; lambdas
and local classes count toward the function around them. With --check, exits 1 when a file has
more than FILE_LIMIT lines or a function body more than FUNCTION_LIMIT lines.
"""
import re
import sys

FILE_LIMIT = 700
FUNCTION_LIMIT = 120


def strip(text):
    """Comments, string and character literals blanked out, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, lines) of each function body at namespace or class level."""
    # Preprocessor lines (and their continuations) are not code blocks.
    code = re.sub(r"(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", "", strip(text))
    stack = []  # kinds of open blocks
    statement_start = 0
    found = []
    line = 1
    open_line = {}
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            inside_function = any(kind == "function" for kind in stack)
            if inside_function:
                stack.append("block")
                continue
            head = code[statement_start:i]
            words = re.findall(r"[A-Za-z_]\w*", head.split("(")[0])
            if "namespace" in words or (head.strip() == "" and stack and stack[-1] == "extern"):
                kind = "namespace"
            elif head.strip().startswith('extern ""'):
                kind = "namespace"
            elif any(w in ("class", "struct", "union", "enum") for w in words):
                kind = "class"
            elif "(" in head and not re.search(r"=\s*$", head.split("(")[0]):
                kind = "function"
                name = re.findall(r"([~\w:<>]+)\s*\(", head)
                open_line[len(stack)] = (name[0] if name else "?", line)
            else:
                kind = "block"
            stack.append(kind)
            statement_start = i + 1
        elif c == "}":
            kind = stack.pop() if stack else "block"
            if kind == "function":
                name, first = open_line.pop(len(stack))
                found.append((name, first, line - first + 1))
            if not any(k == "function" for k in stack):
                statement_start = i + 1
        elif c == ";" and not any(k == "function" for k in stack):
            statement_start = i + 1
    return found


def main(argv):
    check = "--check" in argv
    top = 0
    args = [a for a in argv if a != "--check"]
    if "--top" in args:
        k = args.index("--top")
        top = int(args[k + 1])
        del args[k : k + 2]
    failures = []
    every = []
    for path in args:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.count("\n")
        if lines > FILE_LIMIT:
            failures.append(f"{path}: {lines} lines (limit {FILE_LIMIT})")
        for name, first, size in functions(text):
            every.append((size, f"{path}:{first}: {name}"))
            if size > FUNCTION_LIMIT:
                failures.append(f"{path}:{first}: {name}: {size} lines (limit {FUNCTION_LIMIT})")
    if top:
        for size, where in sorted(every, reverse=True)[:top]:
            print(f"{size:5d} {where}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if check and failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
