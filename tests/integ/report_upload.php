<?php
// report_upload.php — the seed document's example receiver, as the
// provisioning server would run it.  Two fixes to the printed text, which
// does not run as written: the file name needs a "/" after the folder, and
// "$file_put_contents(...)" calls file_put_contents().  The folder is the
// script's own (the test's private document root).
$filename = "report_cfg.xml"; // report file name
// where to put the file
$file = __DIR__ . "/" . $filename;
// get data from http post
$report_data = file_get_contents('php://input');
// save the post data to file
file_put_contents($file, $report_data);
// what arrived, for the test to check (not part of the seed's script)
file_put_contents(__DIR__ . "/request.log", sprintf("%s ct=%s ce=%s expect=%s len=%d\n",
    $_SERVER['REQUEST_METHOD'], $_SERVER['CONTENT_TYPE'] ?? '-',
    $_SERVER['HTTP_CONTENT_ENCODING'] ?? '-', $_SERVER['HTTP_EXPECT'] ?? '-',
    strlen($report_data)), FILE_APPEND);
?>
