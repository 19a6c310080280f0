/*
 * receiver — a small report receiver for the demo and for tests: an evhttp
 * server on 127.0.0.1 that stores every PUT or POST body under a folder,
 * decrypting `openssl enc` bodies (--key) and aes128gcm bodies (--ikm)
 * with libcfgreport's own decoders.  Interoperability is proved against
 * independent peers elsewhere; this is the demo's convenience.
 *
 *   receiver [-p PORT] [-k KEY] [-i IKM] [-s STATUS] DIR
 *
 * Prints "listening PORT" once ready, then one line per upload.  PUT
 * stores DIR/NAME (overwriting); POST stores DIR/NAME.N, N counting up.
 * -s makes every answer that HTTP status (for fault tests).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "proto.h"
#include "agent.h"

struct receiver {
	const char	*dir;
	const char	*key;
	const char	*ikm;
	int		 status;
	unsigned	 posts;
};

/* The last path segment, restricted to a safe file name. */
static void
receiver_name(const char *uri, char *name, size_t size)
{
	const char	*p = strrchr(uri, '/');
	size_t		 i, n = 0;

	p = p != NULL ? p + 1 : uri;
	for (i = 0; p[i] != '\0' && p[i] != '?' && n + 1 < size; i++)
		if ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '-' || p[i] == '_' || p[i] == '.')
			name[n++] = p[i];
	name[n] = '\0';
	if (n == 0 || name[0] == '.')
		snprintf(name, size, "upload");
}

static void
receiver_cb(struct evhttp_request *req, void *arg)
{
	struct receiver		*r = arg;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*enc, *how = "plain";
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	char			 name[128], path[512], err[CR_ERRLEN];
	uint8_t			*body, *plain = NULL, *ikm;
	size_t			 len, plainlen = 0, ikmlen;
	const char		*method = cmd == EVHTTP_REQ_PUT ? "PUT" : "POST";
	int			 rv = 0;

	if (cmd != EVHTTP_REQ_PUT && cmd != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, "PUT or POST");
		return;
	}
	if (r->status != 0) {
		evhttp_send_reply(req, r->status, "Configured", NULL);
		return;
	}
	len = evbuffer_get_length(in);
	body = evbuffer_pullup(in, -1);
	enc = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Encoding");
	if (enc != NULL && strcasecmp(enc, "aes128gcm") == 0 &&
	    r->ikm != NULL) {
		how = "aes128gcm";
		rv = -1;
		if ((ikm = b64_decode(r->ikm, strlen(r->ikm), &ikmlen,
		    err)) != NULL)
			rv = ece_decrypt(body, len, ikm, ikmlen, &plain,
			    &plainlen, err);
		free(ikm);
	} else if (len >= 8 && memcmp(body, "Salted__", 8) == 0 &&
	    r->key != NULL) {
		how = "aes-256-cbc";
		rv = osslenc_decrypt(body, len, r->key, strlen(r->key),
		    RULE_MD_SHA256, &plain, &plainlen, err);
	}
	if (rv == -1) {
		printf("%s %s: cannot decrypt: %s\n", method,
		    evhttp_request_get_uri(req), err);
		fflush(stdout);
		evhttp_send_error(req, 400, "cannot decrypt");
		return;
	}
	receiver_name(evhttp_request_get_uri(req), name, sizeof name);
	if (cmd == EVHTTP_REQ_PUT)
		snprintf(path, sizeof path, "%s/%s", r->dir, name);
	else
		snprintf(path, sizeof path, "%s/%s.%u", r->dir, name,
		    ++r->posts);
	if (fileio_write_atomic(path, plain != NULL ? plain : body,
	    plain != NULL ? plainlen : len, 0644, err) == -1) {
		free(plain);
		evhttp_send_error(req, 500, "cannot store");
		return;
	}
	printf("%s %s: %zu bytes (%s) -> %s\n", method,
	    evhttp_request_get_uri(req), len, how, path);
	fflush(stdout);
	free(plain);
	evhttp_send_reply(req, cmd == EVHTTP_REQ_PUT ? 201 : 200, "Stored",
	    NULL);
}

int
main(int argc, char *argv[])
{
	struct receiver		 r;
	struct event_base	*base;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	int			 ch, port = 0;

	memset(&r, 0, sizeof r);
	while ((ch = getopt(argc, argv, "p:k:i:s:")) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'k': r.key = optarg; break;
		case 'i': r.ikm = optarg; break;
		case 's': r.status = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: receiver [-p PORT] [-k KEY] "
			    "[-i IKM] [-s STATUS] DIR\n");
			return 1;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "receiver: DIR missing\n");
		return 1;
	}
	r.dir = argv[optind];
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		return 1;
	evhttp_set_allowed_methods(http, EVHTTP_REQ_PUT | EVHTTP_REQ_POST |
	    EVHTTP_REQ_GET);
	evhttp_set_max_body_size(http, 32 * 1024 * 1024);
	evhttp_set_gencb(http, receiver_cb, &r);
	if ((bound = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (ev_uint16_t)port)) == NULL) {
		fprintf(stderr, "receiver: cannot listen on 127.0.0.1:%d\n",
		    port);
		return 1;
	}
	getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &slen);
	printf("listening %d\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
