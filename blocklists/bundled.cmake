# Embeds the bundled list snapshot (bundled/MANIFEST.tsv and its .txt.gz files, built by
# make-bundled.sh) into the binary with .incbin: the seed last-good copies of URL lists that
# say `bundled: NAME`, so an install without network filters from the first query. The gzip bytes are
# embedded as they are (the list reader inflates them); SPROUT_BUNDLED_LISTS=OFF leaves them
# out (e.g. a router image that ships its lists another way).
option(SPROUT_BUNDLED_LISTS "Embed the bundled list snapshot (blocklists/bundled)" ON)
set(SPROUT_BUNDLED_ASM "")
set(SPROUT_BUNDLED_ENTRIES "")
set(SPROUT_BUNDLED_DIR ${CMAKE_CURRENT_SOURCE_DIR}/bundled)
if(SPROUT_BUNDLED_LISTS)
  file(STRINGS ${SPROUT_BUNDLED_DIR}/MANIFEST.tsv manifest_lines REGEX "^[^#]")
  set(i 0)
  foreach(line ${manifest_lines})
    string(REPLACE "\t" ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 2 date)
    list(GET fields 3 file)
    list(GET fields 5 sha)
    set(sym sprout_bundled_${i})
    # The content's hash is part of the source, so a compiler cache never serves an object
    # built from an older snapshot (it does not see the .incbin'd bytes).
    string(APPEND SPROUT_BUNDLED_ASM
      "__asm__(\".pushsection .rodata\\n.balign 16\\n.hidden ${sym}\\n.hidden ${sym}_end\\n.globl ${sym}\\n.globl ${sym}_end\\n${sym}:\\n.incbin \\\"${SPROUT_BUNDLED_DIR}/${file}\\\"\\n${sym}_end:\\n.popsection\\n\");  // sha256 ${sha}\n"
      "extern \"C\" const unsigned char ${sym}[];\nextern \"C\" const unsigned char ${sym}_end[];\n")
    string(APPEND SPROUT_BUNDLED_ENTRIES "    {\"${name}\", \"${date}\", ${sym}, ${sym}_end},\n")
    list(APPEND SPROUT_BUNDLED_FILES ${SPROUT_BUNDLED_DIR}/${file})
    math(EXPR i "${i} + 1")
  endforeach()
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/src/bundled_lists.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/bundled_lists.cpp @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SPROUT_BUNDLED_DIR}/MANIFEST.tsv)
set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/bundled_lists.cpp PROPERTIES OBJECT_DEPENDS "${SPROUT_BUNDLED_FILES}")
