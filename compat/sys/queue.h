/*
 * compat/sys/queue.h — the BSD list macros cfgreport uses, for C libraries
 * without <sys/queue.h> (musl: OpenWrt and other musl-based firmware).
 * configure adds compat/ to the include path only when the system has no
 * <sys/queue.h>; glibc's and the BSDs' are used where they exist.
 *
 * LIST (doubly linked, head pointer only) and TAILQ (doubly linked with a
 * tail pointer), the operations glibc's header also has, with the BSD
 * names and semantics.
 */
#ifndef CFGREPORT_COMPAT_SYS_QUEUE_H
#define CFGREPORT_COMPAT_SYS_QUEUE_H

#define LIST_HEAD(name, type)						\
struct name {								\
	struct type	*lh_first;					\
}

#define LIST_ENTRY(type)						\
struct {								\
	struct type	*le_next;					\
	struct type	**le_prev;	/* the pointer that points here */ \
}

#define LIST_FIRST(head)	((head)->lh_first)
#define LIST_NEXT(elm, field)	((elm)->field.le_next)
#define LIST_EMPTY(head)	((head)->lh_first == NULL)
#define LIST_INIT(head)		((head)->lh_first = NULL)

#define LIST_FOREACH(var, head, field)					\
	for ((var) = (head)->lh_first; (var) != NULL;			\
	    (var) = (var)->field.le_next)

#define LIST_INSERT_HEAD(head, elm, field) do {				\
	if (((elm)->field.le_next = (head)->lh_first) != NULL)		\
		(head)->lh_first->field.le_prev = &(elm)->field.le_next;\
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (0)

#define LIST_REMOVE(elm, field) do {					\
	if ((elm)->field.le_next != NULL)				\
		(elm)->field.le_next->field.le_prev =			\
		    (elm)->field.le_prev;				\
	*(elm)->field.le_prev = (elm)->field.le_next;			\
} while (0)

#define TAILQ_HEAD(name, type)						\
struct name {								\
	struct type	*tqh_first;					\
	struct type	**tqh_last;	/* the last element's next */	\
}

#define TAILQ_ENTRY(type)						\
struct {								\
	struct type	*tqe_next;					\
	struct type	**tqe_prev;	/* the pointer that points here */ \
}

#define TAILQ_FIRST(head)	((head)->tqh_first)
#define TAILQ_NEXT(elm, field)	((elm)->field.tqe_next)
#define TAILQ_EMPTY(head)	((head)->tqh_first == NULL)

#define TAILQ_FOREACH(var, head, field)					\
	for ((var) = (head)->tqh_first; (var) != NULL;			\
	    (var) = (var)->field.tqe_next)

#define TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)

#define TAILQ_INSERT_HEAD(head, elm, field) do {			\
	if (((elm)->field.tqe_next = (head)->tqh_first) != NULL)	\
		(head)->tqh_first->field.tqe_prev =			\
		    &(elm)->field.tqe_next;				\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(head)->tqh_first = (elm);					\
	(elm)->field.tqe_prev = &(head)->tqh_first;			\
} while (0)

#define TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)

#define TAILQ_REMOVE(head, elm, field) do {				\
	if ((elm)->field.tqe_next != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev =			\
		    (elm)->field.tqe_prev;				\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = (elm)->field.tqe_next;			\
} while (0)

#endif /* CFGREPORT_COMPAT_SYS_QUEUE_H */
