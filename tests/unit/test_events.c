/* Event stream basics: building events and the bounded queue. */
#include "events.h"
#include "hs_test.h"

static int queue_order_and_overflow(void)
{
    hs_evq *q;
    hs_check_int("create", hs_evq_create(3, &q), 0);
    hs_event e, o;
    for (int i = 0; i < 5; i++) {
        hs_event_init(&e, HS_EV_PHASE, 0, (uint64_t)i);
        hs_evq_push(q, &e);
    }
    hs_check_int("count after 5 pushes into 3", (long long)hs_evq_count(q), 3);
    hs_check_int("dropped", (long long)hs_evq_dropped(q), 2);
    for (int i = 0; i < 3; i++) {
        hs_check_int("pop ok", hs_evq_pop(q, &o), 1);
        hs_check_int("fifo order", (long long)o.sample, i);
    }
    hs_check_int("empty", hs_evq_pop(q, &o), 0);
    hs_evq_destroy(q);
    return 0;
}

static int fields_and_payload(void)
{
    hs_event e;
    hs_event_init(&e, HS_EV_V8_CM, HS_SRC_CALLER, 1234);
    const uint8_t oct[] = { 0xC1, 0x45 };
    hs_event_octets(&e, oct, 2);
    hs_event_dec_str(&e, "call_function", "data");
    hs_event_num(&e, "freq_hz", 2100.5);
    hs_check_str("type name", hs_ev_type_name((hs_ev_type)e.type), "v8.cm");
    const hs_field *f = hs_event_field(&e, "freq_hz");
    hs_check_true("freq field present", f != NULL);
    hs_check_near("freq value", f ? f->v.x : (double)NAN, 2100.5, 0, "Hz");
    hs_check_int("payload", e.npayload, 2);
    for (int i = 0; i < 40; i++) hs_event_int(&e, "x", i);
    hs_check_int("fields capped", e.nfields, HS_EV_MAX_FIELDS);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(queue_order_and_overflow),
    HS_CASE(fields_and_payload)
)
