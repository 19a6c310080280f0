<?php
// store_each.php — a provisioning server that keeps every report: each
// PUT or POST body becomes upload-N.xml in this folder.  While a file
// named "fail" exists here it answers 503 and stores nothing.
if (file_exists(__DIR__ . "/fail")) {
	http_response_code(503);
	exit;
}
$n = count(glob(__DIR__ . "/upload-*.xml")) + 1;
file_put_contents(__DIR__ . "/upload-$n.xml", file_get_contents('php://input'));
http_response_code(200);
?>
