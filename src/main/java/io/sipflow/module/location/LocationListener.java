package io.sipflow.module.location;

/** Told about every change of the location store, on the thread that made it; must not block. */
public interface LocationListener {

    void onChanges(LocationChanges changes);
}
