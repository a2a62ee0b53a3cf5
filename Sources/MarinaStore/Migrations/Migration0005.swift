/// Who sent an event: null for the platform's own (install, uninstall), else the identity that
/// sent it through the events route, recorded as the actor of its delivery.
enum Migration0005 {
    static let eventSender = Migration(
        id: 5, name: "event_sender",
        statements: [
            .both("ALTER TABLE event_deliveries ADD COLUMN sent_by TEXT")
        ])
}
