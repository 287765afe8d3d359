/**
 * The broker's configuration: one {@code key = value} file ({@code conf/broker.conf}) validated
 * against a schema of typed, documented keys, with environment overrides.
 *
 * <p>Flow: {@link io.hookline.broker.config.ConfigFile} parses the file into raw entries (key,
 * value, line); {@link io.hookline.broker.config.CoreConfig#schema()} gives the core keys, to
 * which plugins add theirs; {@link io.hookline.broker.config.Config#load(java.nio.file.Path,
 * ConfigSchema, java.util.Map)} validates the entries and the {@code HOOKLINE_*} environment
 * against that schema and yields an immutable {@link io.hookline.broker.config.Config} snapshot.
 * Every problem of a file is reported at once in one {@link
 * io.hookline.broker.config.ConfigException}, each naming its file and line.
 */
package io.hookline.broker.config;
