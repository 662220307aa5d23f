# Installation layout and the Debian package.
#
# `cmake --install` puts the binary in bin/, the man page in share/man/man1/ and the shell
# completions where bash-completion, Debian's zsh and fish look for them:
#   share/bash-completion/completions/promtls
#   share/zsh/vendor-completions/_promtls
#   share/fish/vendor_completions.d/promtls.fish
# `cpack -G DEB` (from the build directory) builds promtls_<version>_<arch>.deb with the same
# layout under /usr; its Depends come from dpkg-shlibdeps (package dpkg-dev), so they follow
# whatever libraries the binary links. tests/cli/docs_install_test.cpp checks both.

install(FILES ${PROJECT_SOURCE_DIR}/man/promtls.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/completions/promtls.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions
        RENAME promtls)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_promtls
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/completions/promtls.fish
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/fish/vendor_completions.d)

set(CPACK_PACKAGE_NAME promtls)
set(CPACK_PACKAGE_VENDOR "promtls")
set(CPACK_PACKAGE_CONTACT "promtls maintainers <promtls@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "validate, inspect, serve and self-test Prometheus metrics endpoints behind (m)TLS")
set(CPACK_PACKAGE_DESCRIPTION
    "promtls checks a metrics TLS configuration before it is deployed and predicts what the
component will say, reports certificate and license expiry, serves Prometheus metrics over
mutual TLS and proves that an endpoint enforces the policy its configuration claims.")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://example.invalid/promtls")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus")
include(CPack)
