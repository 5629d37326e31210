// One finding as a line of a tool's diagnostics, escaped, its location said once.
#pragma once

#include <string>
#include <string_view>

#include "ociwasm/finding.h"

namespace ociwasm {

// The message of `finding` without the "FILE: " and "POINTER: " it starts with when the message
// names its own location (so that it reads well alone, as in JSON output). Where the location is
// printed beside the message, this keeps it from being said twice.
std::string_view message_without_location(const Finding& finding);

// " (found at N descriptors of this blob; the first is shown)" for a finding made at N > 1
// descriptors (Finding::occurrences), "" for any other. Every output adds it to the message.
std::string occurrences_note(const Finding& finding);

// The message where the location is shown beside it: without its location, with its
// occurrences_note.
std::string shown_message(const Finding& finding);

// `FILE#POINTER: [warning: ]CODE: MESSAGE` (the location part left out when there is none), every
// input-derived byte escaped onto one line. No newline, no program or input name.
std::string finding_diagnostic(const Finding& finding);

}  // namespace ociwasm
