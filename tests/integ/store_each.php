<?php
// store_each.php — a provisioning server that keeps every report: each
// PUT or POST body becomes upload-N.xml in this folder.  While a file
// named "fail" exists here it answers 503 and stores nothing.  Each file
// appears whole (written aside, then renamed): a test that waits for it
// never reads it half-written.
if (file_exists(__DIR__ . "/fail")) {
	http_response_code(503);
	exit;
}
$n = count(glob(__DIR__ . "/upload-*.xml")) + 1;
$tmp = __DIR__ . "/.upload-$n.tmp";
file_put_contents($tmp, file_get_contents('php://input'));
rename($tmp, __DIR__ . "/upload-$n.xml");
http_response_code(200);
?>
