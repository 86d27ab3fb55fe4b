package io.sipflow.module.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The top-level fields of one event's JSON, read in one streaming pass: what a sink that maps events
 * to table columns needs, without building a JSON tree per event (the tree was most of the MySQL
 * sink's mapping work). Scalars are kept as text or number, an array or object as a (small) tree.
 */
public final class EventFields {

    private final Map<String, Object> fields;

    private EventFields(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Reads the event; {@link IllegalArgumentException} with the parser's reason when it is not a JSON object. */
    public static EventFields parse(String json) {
        try (JsonParser p = EventJson.mapper().getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            Map<String, Object> fields = new HashMap<>(64);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                fields.put(name, value(p, p.nextToken()));
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return new EventFields(fields);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static Object value(JsonParser p, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> p.getLongValue();
            case START_ARRAY, START_OBJECT -> EventJson.mapper().readTree(p);
            default -> p.getText();
        };
    }

    /** The field as text (a number as its digits, an array or object as its JSON); null when absent or null. */
    public String text(String field) {
        Object v = fields.get(field);
        return v == null ? null : v.toString();
    }

    /** The field as an int; null when absent, null or not a number. */
    public Integer integer(String field) {
        Object v = fields.get(field);
        return v instanceof Long n ? Integer.valueOf(n.intValue()) : null;
    }

    /** The field as a long; {@code absent} when absent, null or not a number. */
    public long longValue(String field, long absent) {
        return fields.get(field) instanceof Long n ? n : absent;
    }

    /** The field's elements as text (a scalar field is one element); empty when absent or null. */
    public List<String> texts(String field) {
        Object v = fields.get(field);
        if (v instanceof JsonNode node) {
            List<String> list = new ArrayList<>(node.size());
            node.forEach(e -> list.add(e.isValueNode() ? e.asText() : e.toString()));
            return list;
        }
        return v == null ? List.of() : List.of(v.toString());
    }
}
