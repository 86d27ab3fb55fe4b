package io.sipflow.module.location;

/** What happens when an AoR would exceed its maximum number of contacts (OpenSIPS {@code max_contacts}). */
public enum MaxContactsPolicy {
    /** The oldest binding of the AoR makes room. */
    EVICT_OLDEST,
    /** The REGISTER is refused with 503 before it reaches the PBX. */
    REJECT
}
