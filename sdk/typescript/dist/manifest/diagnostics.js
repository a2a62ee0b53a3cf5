"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.defaultLimits = exports.DocumentError = exports.Diagnostics = void 0;
/** Diagnostics collected while walking a document: one per (code, path), in order found. */
class Diagnostics {
    items = [];
    get isEmpty() {
        return this.items.length === 0;
    }
    /**
     * Adds a diagnostic unless one with the same code and path is there already. Paths compare as
     * the reference compares them (Swift `String`: canonically equivalent paths are the same).
     */
    add(code, path, message) {
        const p = path.toString();
        const key = p.normalize('NFD');
        if (!this.items.some((d) => d.code === code && (d.path === p || d.path.normalize('NFD') === key)))
            this.items.push({ code, path: p, message });
    }
}
exports.Diagnostics = Diagnostics;
/** A document that could not be turned into a tree at all. */
class DocumentError extends Error {
    code;
    path;
    constructor(code, path, message) {
        super(message);
        this.name = 'DocumentError';
        this.code = code;
        this.path = path;
    }
    get diagnostic() {
        return { code: this.code, path: this.path.toString(), message: this.message };
    }
}
exports.DocumentError = DocumentError;
exports.defaultLimits = { maxBytes: 1 << 20, maxDepth: 64, maxNodes: 100000 };
