/** @odoo-module **/
/**
 * Staff banner of the backend: a red bar under the navigation bar while a Starlink
 * synchronisation stream has been failing for longer than the threshold (Settings:
 * starlink_telemetry.stream_failure_minutes). The server decides who sees it and what
 * (starlink.ops.status.get_stream_banner); read again every five minutes.
 */

import { Component, onMounted, onWillUnmount, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { WebClient } from "@web/webclient/webclient";

const REFRESH_MS = 5 * 60 * 1000;

export class StarlinkStreamBanner extends Component {
    static template = "starlink_telemetry.StreamBanner";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ streams: [] });
        onMounted(() => {
            this.load();
            this.timer = setInterval(() => this.load(), REFRESH_MS);
        });
        onWillUnmount(() => clearInterval(this.timer));
    }

    async load() {
        try {
            this.state.streams = await this.orm.silent.call(
                "starlink.ops.status",
                "get_stream_banner",
                []
            );
        } catch {
            this.state.streams = [];
        }
    }

    openAccount(accountId) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "starlink.account",
            res_id: accountId,
            views: [[false, "form"]],
        });
    }
}

WebClient.components = { ...WebClient.components, StarlinkStreamBanner };
