# dlexport::standard carries the language level, warnings and sanitizer switches for every target.
add_library(dlexport_standard INTERFACE)
add_library(dlexport::standard ALIAS dlexport_standard)
target_compile_features(dlexport_standard INTERFACE cxx_std_20)
target_compile_options(dlexport_standard INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  # Not -Wnull-dereference: GCC 12 reports false positives inside libstdc++, CLI11 and nlohmann.
  -Wimplicit-fallthrough)
if(DLEXPORT_WERROR)
  target_compile_options(dlexport_standard INTERFACE -Werror)
endif()
if(DLEXPORT_SANITIZE)
  target_compile_options(dlexport_standard INTERFACE
    -fsanitize=${DLEXPORT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(dlexport_standard INTERFACE -fsanitize=${DLEXPORT_SANITIZE})
endif()
target_include_directories(dlexport_standard INTERFACE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
