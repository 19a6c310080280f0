# CR_PKG_REQUIRE(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
# pkg-config check whose failure names the Debian package to install, so a
# fresh machine's operator knows the fix without reading config.log.
AC_DEFUN([CR_PKG_REQUIRE], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install the Debian package $3 (apt-get install $3)])])
])
