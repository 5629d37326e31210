# Renders one man page: help2man over TOOL --help plus the hand-written sections in INCLUDE,
# then the "Exit status:" block of --help (a subsection to help2man) becomes the EXIT STATUS
# section. Run by man/CMakeLists.txt: cmake -DHELP2MAN=... -DTOOL=... -DINCLUDE=... -DOUTPUT=...
#   -DVERSION=... -P render.cmake
execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --source=oci-wasm --version-string=${VERSION}
          --include=${INCLUDE} ${TOOL}
  OUTPUT_VARIABLE page
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "help2man failed on ${TOOL}")
endif()
string(FIND "${page}" ".SS \"Exit status:\"" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TOOL} --help has no \"Exit status:\" block")
endif()
string(REPLACE ".SS \"Exit status:\"" ".SH \"EXIT STATUS\"" page "${page}")
# help2man dates the page; a fixed date keeps builds reproducible.
string(REGEX REPLACE "(\\.TH [^\n]*\")[A-Z][a-z]+ [0-9]+(\")" "\\1${VERSION}\\2" page "${page}")
file(WRITE ${OUTPUT} "${page}")
