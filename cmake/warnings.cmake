# The project's warning set, applied to every target of ours through one interface target.
add_library(promtls_warnings INTERFACE)
target_compile_options(promtls_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${PROMTLS_WERROR}>:-Werror>)
