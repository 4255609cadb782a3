package dev.reelay.query.live;

import org.axonframework.eventhandling.TrackingToken;

/**
 * A task event ready for the wire: its store position (the SSE id, and how far a subscriber has sent) and its JSON
 * body, written once by {@link LiveEventJson} however many subscribers the event goes to.
 */
record OutgoingEvent(TrackingToken position, byte[] json) {
}
